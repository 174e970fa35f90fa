/** A name from the shared vocabulary (protocols' {nameZh, nameEn} lists: groups, facility kinds, bed types) in the console's language. */
import { useI18n } from './i18n.ts'

export function useVocabulary () {
  const { locale } = useI18n()
  return (entry: { nameZh: string, nameEn: string }) => locale === 'zh-CN' ? entry.nameZh : entry.nameEn
}
