import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useResidentIncidents } from '../api/get-resident-incidents.ts'

/** Every incident about the resident, newest first, with how it ended. */
export function ResidentIncidentHistory ({ residentId }: { residentId: string }) {
  const { t, tOr, formatDateTime } = useI18n()
  const history = useResidentIncidents(residentId)
  if (history.error !== null) return <ErrorMessage error={describeApiError(history.error, t)} />
  if (history.data === null) return <p className='muted' role='status'>{t('common.loading')}</p>
  if (history.data.length === 0) return <p className='muted' data-testid='resident-history-empty'>{t('resident.historyEmpty')}</p>
  return (
    <table className='data-table' data-testid='resident-history'>
      <caption className='visually-hidden'>{t('resident.history')}</caption>
      <thead>
        <tr>
          <th scope='col'>{t('queue.col.opened')}</th>
          <th scope='col'>{t('queue.col.priority')}</th>
          <th scope='col'>{t('queue.col.type')}</th>
          <th scope='col'>{t('queue.col.status')}</th>
          <th scope='col'>{t('detail.field.acknowledgedAt')}</th>
          <th scope='col'>{t('detail.field.outcome')}</th>
        </tr>
      </thead>
      <tbody>
        {history.data.map((i) => (
          <tr key={i.id} data-testid='resident-history-row' data-incident-id={i.id} data-status={i.status}>
            <td className='nowrap'>{formatDateTime(i.openedAt)}</td>
            <td>{i.priority} {tOr('priority.', i.priority)}</td>
            <td>{tOr('incidentType.', i.type)}</td>
            <td>{tOr('status.', i.status)}</td>
            <td className='nowrap'>{formatDateTime(i.acknowledgedAt)}{i.acknowledgedBy !== null && <span className='muted'> · {i.acknowledgedBy}</span>}</td>
            <td>{i.outcome === null ? '—' : tOr('outcome.', i.outcome)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
