import { ALARM_TYPES, EVENT_TYPES, INCIDENT_STATUSES, NON_ALARM_EVENT_TYPES, OUTCOMES, PRIORITIES, ROLES } from '@eldercare/protocols'
import { describe, expect, it } from 'vitest'
import { dictionaries, isMessageKey, LOCALES, translate } from './i18n.ts'

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('translation dictionary', () => {
  const [first, ...others] = LOCALES
  const keys = Object.keys(dictionaries[first]).sort()

  it.each(others)('%s has exactly the keys of zh-CN', (locale) => {
    expect(Object.keys(dictionaries[locale]).sort()).toEqual(keys)
  })

  it.each(LOCALES)('%s has no empty message', (locale) => {
    const empty = Object.entries(dictionaries[locale]).filter(([, text]) => text.trim() === '').map(([key]) => key)
    expect(empty).toEqual([])
  })

  it.each(others)('%s uses the same {placeholders} as zh-CN in every message', (locale) => {
    const mismatched = keys.filter((key) => {
      const k = key as keyof (typeof dictionaries)['zh-CN']
      return placeholders(dictionaries[locale][k]).join() !== placeholders(dictionaries[first][k]).join()
    })
    expect(mismatched).toEqual([])
  })

  it('names every status, priority, outcome and role from protocols/', () => {
    const needed = [
      ...INCIDENT_STATUSES.map((s) => `status.${s}`),
      ...PRIORITIES.map((p) => `priority.${p}`),
      ...OUTCOMES.map((o) => `outcome.${o}`),
      ...ROLES.map((r) => `role.${r}`)
    ]
    expect(needed.filter((key) => !isMessageKey(key))).toEqual([])
  })

  it('names every alarm type of protocols\' ALARM_TYPES (device events, derived alarms, the platform\'s own), once', () => {
    expect(ALARM_TYPES.filter((type) => !isMessageKey(`incidentType.${type}`))).toEqual([])
    expect(ALARM_TYPES).toEqual(expect.arrayContaining([...EVENT_TYPES.filter((t) => !NON_ALARM_EVENT_TYPES.has(t)), 'call_request', 'news2', 'hr_high', 'visit_follow_up']))
  })

  it.each(LOCALES)('%s gives two alarm types one label only when they are one alarm (offline, the old name of device_offline)', (locale) => {
    const byLabel = new Map<string, string[]>()
    for (const type of ALARM_TYPES) {
      const label = translate(locale, `incidentType.${type}`)
      byLabel.set(label, [...(byLabel.get(label) ?? []), type])
    }
    expect([...byLabel.values()].filter((types) => types.length > 1)).toEqual([['device_offline', 'offline']])
  })

  it('uses the agreed Chinese words', () => {
    expect(translate('zh-CN', 'incidentType.fall')).toBe('跌倒')
    expect(translate('zh-CN', 'status.open')).toBe('待响应')
    expect(translate('zh-CN', 'status.closed_false_alarm')).toBe('误报关闭')
    expect(translate('zh-CN', 'priority.P1')).toBe('紧急')
    expect(translate('zh-CN', 'connection.reconnecting')).toBe('断开连接，正在重连…')
  })

  it('fills placeholders', () => {
    expect(translate('en', 'queue.count', { count: 3 })).toBe('3 active')
    expect(translate('zh-CN', 'queue.count', { count: 3 })).toBe('3 条')
  })
})
