import type { IncidentDto } from '@eldercare/protocols'
import { ClockIcon, WarningIcon } from '../../../components/icons.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useNow } from '../../../lib/use-now.ts'
import { formatDuration, slaState } from '../lib/sla.ts'

/**
 * Live time left to acknowledge (mm:ss). Past the deadline it turns red and says so in words
 * ("超时 +01:05"), because red alone is not enough.
 */
export function SlaCountdown ({ incident }: { incident: Pick<IncidentDto, 'status' | 'ackDueAt'> }) {
  const { t } = useI18n()
  const now = useNow()
  const state = slaState(incident, now)
  if (state.kind === 'none') {
    return <span className='sla sla--none' data-testid='sla-countdown' data-sla='none'>{t('sla.notApplicable')}</span>
  }
  if (state.kind === 'running') {
    const time = formatDuration(state.remainingMs, 'up')
    return (
      <span className='sla sla--running' data-testid='sla-countdown' data-sla='running' title={t('sla.remainingLabel', { time })}>
        <ClockIcon />
        <time>{time}</time>
      </span>
    )
  }
  const time = formatDuration(state.overdueMs)
  return (
    <span className='sla sla--overdue' data-testid='sla-countdown' data-sla='overdue' title={t('sla.overdueLabel', { time })}>
      <WarningIcon />
      <strong className='sla__marker'>{t('sla.overdue')}</strong> <time>+{time}</time>
    </span>
  )
}
