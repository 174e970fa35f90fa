import { useI18n } from '../lib/i18n/i18n.ts'
import { GlobeIcon } from './icons.tsx'

/** Switches between 中文 and English; the button names the language it switches to, in that language. */
export function LanguageToggle () {
  const { locale, setLocale, t } = useI18n()
  const other = locale === 'zh-CN' ? 'en' : 'zh-CN'
  return (
    <button
      type='button'
      className='button button--quiet'
      data-testid='language-toggle'
      title={t('header.language')}
      lang={other}
      onClick={() => { setLocale(other) }}
    >
      <GlobeIcon />{t('header.languageOther')}
    </button>
  )
}
