import { useI18n } from '../lib/i18n/i18n.ts'

export interface PagerProps {
  /** 0-based page shown */
  page: number
  pages: number
  onPage: (page: number) => void
  testId?: string
}

/**
 * Previous / next through a long list shown a page at a time. A list of thousands rendered whole
 * re-renders thousands of rows on every change — a reconnect storm's statuses froze the devices
 * screen for seconds (issue 11); a page keeps each render small.
 */
export function Pager ({ page, pages, onPage, testId = 'pager' }: PagerProps) {
  const { t } = useI18n()
  if (pages <= 1) return null
  return (
    <nav className='pager' aria-label={t('pager.label')} data-testid={testId}>
      <button type='button' className='button' disabled={page <= 0} onClick={() => { onPage(page - 1) }} data-testid={`${testId}-prev`}>{t('pager.previous')}</button>
      <span className='pager__state' aria-live='polite' data-testid={`${testId}-state`}>{t('pager.state', { page: page + 1, pages })}</span>
      <button type='button' className='button' disabled={page >= pages - 1} onClick={() => { onPage(page + 1) }} data-testid={`${testId}-next`}>{t('pager.next')}</button>
    </nav>
  )
}
