import { allowedActions, type IncidentDto } from '@eldercare/protocols'
import { memo, type KeyboardEvent } from 'react'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { PriorityBadge } from './priority-badge.tsx'
import { SlaCountdown } from './sla-countdown.tsx'

export interface IncidentRowProps {
  incident: IncidentDto
  selected: boolean
  /** Roving tab stop: only one row of the queue is in the tab order. */
  tabbable: boolean
  acknowledging: boolean
  canAct: boolean
  onSelect: (id: string) => void
  onAcknowledge: (id: string) => void
  onKeyDown: (event: KeyboardEvent<HTMLTableRowElement>, id: string) => void
  onFocus: (id: string) => void
}

/**
 * One queue row, memoised: with a thousand active incidents a new alarm re-renders its own row,
 * not the other 999 (the SLA countdown inside still ticks on the shared clock).
 */
export const IncidentRow = memo(function IncidentRow ({ incident, selected, tabbable, acknowledging, canAct, onSelect, onAcknowledge, onKeyDown, onFocus }: IncidentRowProps) {
  const { t, tOr, formatDateTime } = useI18n()
  const canAcknowledge = canAct && allowedActions(incident.status).includes('acknowledge')
  const type = tOr('incidentType.', incident.type)
  return (
    <tr
      className={`incident-row incident-row--${incident.priority}${selected ? ' incident-row--selected' : ''}`}
      data-testid='incident-row'
      data-incident-id={incident.id}
      data-status={incident.status}
      data-priority={incident.priority}
      tabIndex={tabbable ? 0 : -1}
      aria-current={selected ? 'true' : undefined}
      onClick={() => { onSelect(incident.id) }}
      onKeyDown={(e) => { onKeyDown(e, incident.id) }}
      onFocus={(e) => { if (e.target === e.currentTarget) onFocus(incident.id) }}
    >
      <td><PriorityBadge priority={incident.priority} /></td>
      <td className='incident-row__type'>
        {type}
        {incident.alarmCount > 1 && (
          <span className='count-pill' title={t('queue.alarmCount', { count: incident.alarmCount })}>×{incident.alarmCount}</span>
        )}
      </td>
      <td>{incident.residentName ?? <span className='muted'>{t('queue.noResident')}</span>}</td>
      <td className='location'>
        <span className='location__site'>{incident.siteName ?? incident.siteId}</span>
        <span className='location__area'>{incident.areaName ?? incident.areaId}</span>
      </td>
      <td>
        <span className={`status status--${incident.status}`}>{tOr('status.', incident.status)}</span>
        {incident.cancelled === true && <span className='tag tag--warning' data-testid='row-cancelled'>{t('queue.cancelled')}</span>}
        {incident.responder != null && <span className='location__area'>{incident.responder.name}</span>}
      </td>
      <td className='nowrap'>
        <time dateTime={incident.openedAt} title={formatDateTime(incident.openedAt)}>{formatDateTime(incident.openedAt, 'compact')}</time>
      </td>
      <td><SlaCountdown incident={incident} /></td>
      <td className='incident-row__actions'>
        {canAcknowledge && (
          <button
            type='button'
            className='button button--primary'
            data-testid='ack-button'
            disabled={acknowledging}
            aria-label={`${t('action.acknowledge')}: ${type}, ${incident.residentName ?? incident.siteName ?? incident.siteId}`}
            // Only the current row's button is a tab stop, so Tab leaves the queue instead of walking it.
            tabIndex={tabbable ? 0 : -1}
            onClick={(e) => {
              e.stopPropagation()
              onSelect(incident.id)
              onAcknowledge(incident.id)
            }}
          >
            {acknowledging ? t('action.working') : t('action.acknowledgeShort')}
          </button>
        )}
      </td>
    </tr>
  )
})
