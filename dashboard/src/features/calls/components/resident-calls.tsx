import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useEffect } from 'react'
import { useResidentCalls } from '../api/get-resident-calls.ts'
import { onCallsChanged } from '../lib/calls-changed.ts'
import { AutoAnswerSetting } from './auto-answer-setting.tsx'

/**
 * The resident's video calls (爱的眼睛 and the elder's own calls) as the platform records them:
 * when, which way, how it ended and how long, who took part, network restarts, and whether the
 * call was recorded as a visit; above them, whether the intercom answers care calls by itself.
 */
export function ResidentCalls ({ residentId, canSetAutoAnswer = false }: { residentId: string, canSetAutoAnswer?: boolean }) {
  const { t, formatDateTime } = useI18n()
  const calls = useResidentCalls(residentId)
  const { reload } = calls
  useEffect(() => onCallsChanged(reload), [reload])
  return (
    <section aria-labelledby={`calls-${residentId}`} data-testid='resident-calls'>
      <h3 className='detail__section-title' id={`calls-${residentId}`}>{t('calls.history')}</h3>
      <AutoAnswerSetting residentId={residentId} canChange={canSetAutoAnswer} />
      {calls.error !== null && <ErrorMessage error={describeApiError(calls.error, t)} />}
      {calls.data === null
        ? calls.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : calls.data.length === 0
          ? <p className='muted'>{t('calls.none')}</p>
          : (
            <table className='table'>
              <thead>
                <tr><th scope='col'>{t('calls.when')}</th><th scope='col'>{t('calls.direction')}</th><th scope='col'>{t('calls.outcome')}</th><th scope='col'>{t('calls.operator')}</th><th scope='col'>{t('calls.notes')}</th></tr>
              </thead>
              <tbody>
                {calls.data.map((c) => {
                  const restarts = c.events.filter((e) => e.kind === 'ice_restart').length
                  return (
                    <tr key={c.id} data-testid='resident-call' data-call-id={c.id} data-status={c.status}>
                      <td>{formatDateTime(c.startedAt)}</td>
                      <td>{t(`calls.direction.${c.direction}`)}{c.autoAnswer && <span className='muted'> · {t('calls.autoAnswer')}</span>}</td>
                      <td>{t(`calls.status.${c.status}`)}{c.durationS !== null && <span className='muted'> · {t('call.duration', { seconds: c.durationS })}</span>}</td>
                      <td>{c.direction === 'outbound' ? c.startedBy ?? '—' : c.answeredBy ?? '—'}</td>
                      <td>
                        {restarts > 0 && <span>{t('calls.restarts', { count: restarts })} </span>}
                        {c.visitId !== null && <span>{t('call.visitRecorded')}</span>}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
            )}
    </section>
  )
}
