import type { IncidentDto } from '@eldercare/protocols'
import type { ReactNode } from 'react'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { PriorityBadge } from './priority-badge.tsx'
import { SlaCountdown } from './sla-countdown.tsx'

/** The incident's fields as a definition list. */
export function IncidentFacts ({ incident }: { incident: IncidentDto }) {
  const { t, tOr, formatDateTime } = useI18n()
  const rows: Array<[string, ReactNode]> = [
    [t('detail.field.priority'), <PriorityBadge priority={incident.priority} />],
    [t('detail.field.type'), tOr('incidentType.', incident.type)],
    [t('detail.field.status'), <span data-testid='detail-status'>{tOr('status.', incident.status)}</span>],
    [t('detail.field.resident'), incident.residentName ?? t('queue.noResident')],
    [t('detail.field.site'), incident.siteName ?? incident.siteId],
    [t('detail.field.area'), incident.areaName ?? incident.areaId],
    [t('detail.field.device'), incident.deviceId ?? '—'],
    [t('detail.field.alarmCount'), String(incident.alarmCount)],
    [t('detail.field.openedAt'), formatDateTime(incident.openedAt)],
    [t('detail.field.ackDueAt'), <>{formatDateTime(incident.ackDueAt)}{incident.status === 'open' && <> <SlaCountdown incident={incident} /></>}</>],
    [t('detail.field.acknowledgedAt'), formatDateTime(incident.acknowledgedAt)],
    [t('detail.field.acknowledgedBy'), incident.acknowledgedBy ?? '—'],
    // Response engine fields (issue 5), absent from older platforms.
    ...(incident.responder != null ? [[t('detail.field.responder'), `${incident.responder.name}（${tOr('offerStatus.', incident.responder.offerStatus)}）`] as [string, ReactNode]] : []),
    ...(incident.dispatchedAt != null ? [[t('detail.field.dispatchedAt'), formatDateTime(incident.dispatchedAt)] as [string, ReactNode]] : []),
    ...(incident.onSceneDueAt != null ? [[t('detail.field.onSceneDueAt'), formatDateTime(incident.onSceneDueAt)] as [string, ReactNode]] : []),
    ...(incident.onSceneAt != null ? [[t('detail.field.onSceneAt'), formatDateTime(incident.onSceneAt)] as [string, ReactNode]] : []),
    ...(incident.escalationLevel != null && incident.escalationLevel > 0 ? [[t('detail.field.escalation'), String(incident.escalationLevel)] as [string, ReactNode]] : []),
    [t('detail.field.resolvedAt'), formatDateTime(incident.resolvedAt)],
    [t('detail.field.outcome'), incident.outcome === null ? '—' : tOr('outcome.', incident.outcome)],
    [t('detail.field.id'), <code>{incident.id}</code>]
  ]
  return (
    <dl className='facts'>
      {rows.map(([label, value]) => (
        <div className='facts__row' key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}
