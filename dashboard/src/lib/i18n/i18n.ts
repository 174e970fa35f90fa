/**
 * The console's languages: a typed dictionary per locale, the chosen locale remembered in
 * localStorage, and formatting that follows it. No i18n library: two languages and plain
 * `{name}` placeholders do not need one.
 */
import { useCallback, useMemo } from 'react'
import { appConfig } from '../../config/app-config.ts'
import { createStore, useStore } from '../create-store.ts'
import { readStored, writeStored } from '../storage.ts'
import { en } from './messages-en.ts'
import { zhCN, type MessageKey, type Messages } from './messages-zh-cn.ts'

export type { MessageKey } from './messages-zh-cn.ts'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

export const dictionaries: Record<Locale, Messages> = { 'zh-CN': zhCN, en }

export type MessageParams = Record<string, string | number>

function isLocale (value: unknown): value is Locale {
  return (LOCALES as readonly unknown[]).includes(value)
}

const storedLocale = readStored('local', appConfig.storageKeys.locale)
const localeStore = createStore<Locale>(isLocale(storedLocale) ? storedLocale : appConfig.defaultLocale)

export function getLocale (): Locale {
  return localeStore.get()
}

export function setLocale (locale: Locale): void {
  localeStore.set(locale)
  writeStored('local', appConfig.storageKeys.locale, locale)
}

export function isMessageKey (key: string): key is MessageKey {
  return Object.hasOwn(zhCN, key)
}

export function translate (locale: Locale, key: MessageKey, params?: MessageParams): string {
  const template = dictionaries[locale][key]
  if (params === undefined) return template
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole))
}

/**
 * `full`: date and time to the second. `compact` (for the queue): the time alone when it is today,
 * else date and minutes.
 */
export type DateTimeStyle = 'full' | 'compact'

const FORMAT_OPTIONS: Record<'full' | 'time' | 'dayMinutes', Intl.DateTimeFormatOptions> = {
  full: { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
  time: { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
  dayMinutes: { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
}
const formats = new Map<string, Intl.DateTimeFormat>()

function formatter (locale: Locale, kind: keyof typeof FORMAT_OPTIONS): Intl.DateTimeFormat {
  const key = `${locale}:${kind}`
  let format = formats.get(key)
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, FORMAT_OPTIONS[kind])
    formats.set(key, format)
  }
  return format
}

/** Local date and time in the browser's time zone (Asia/Shanghai on duty PCs); '—' for none. */
export function formatDateTime (locale: Locale, iso: string | null, style: DateTimeStyle = 'full', nowMs = Date.now()): string {
  if (iso === null) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  if (style === 'full') return formatter(locale, 'full').format(date)
  const today = new Date(nowMs).toDateString() === date.toDateString()
  return formatter(locale, today ? 'time' : 'dayMinutes').format(date)
}

export interface I18n {
  locale: Locale
  setLocale: (locale: Locale) => void
  t: (key: MessageKey, params?: MessageParams) => string
  /** Translates `prefix + value` when the dictionary knows it, else shows the raw value (new server codes). */
  tOr: (prefix: string, value: string) => string
  formatDateTime: (iso: string | null, style?: DateTimeStyle) => string
}

export function useI18n (): I18n {
  const locale = useStore(localeStore)
  const t = useCallback((key: MessageKey, params?: MessageParams) => translate(locale, key, params), [locale])
  const tOr = useCallback((prefix: string, value: string) => {
    const key = prefix + value
    return isMessageKey(key) ? translate(locale, key) : value
  }, [locale])
  return useMemo(() => ({
    locale,
    setLocale,
    t,
    tOr,
    formatDateTime: (iso: string | null, style?: DateTimeStyle) => formatDateTime(locale, iso, style)
  }), [locale, t, tOr])
}
