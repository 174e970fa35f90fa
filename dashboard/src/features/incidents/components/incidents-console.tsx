import { allowedActions, type IncidentDto } from '@eldercare/protocols'
import { useCallback, useRef, useState } from 'react'
import { Banner } from '../../../components/banner.tsx'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAcknowledgeIncidents } from '../api/acknowledge-incident.ts'
import { useAcknowledgeShortcut } from '../hooks/use-acknowledge-shortcut.ts'
import { useLiveQueue } from '../hooks/use-live-queue.ts'
import { useP1AlarmRepeat } from '../hooks/use-p1-alarm-repeat.ts'
import { soundNewIncident } from '../lib/alarm-sound.ts'
import { AlarmAnnouncer, type Announcement } from './alarm-announcer.tsx'
import { IncidentDetailPanel } from './incident-detail-panel.tsx'
import { IncidentQueue } from './incident-queue.tsx'

/** How many recent announcements stay in the live region. */
const ANNOUNCEMENTS_KEPT = 5

export interface IncidentsConsoleProps {
  /** The session token for the realtime connection. */
  getToken: () => string | null
}

/** The operator's home screen: the live queue on the left, the selected incident on the right. */
export function IncidentsConsole ({ getToken }: IncidentsConsoleProps) {
  const { t, tOr } = useI18n()
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [announcements, setAnnouncements] = useState<Announcement[]>([])
  const announcementSeq = useRef(0)

  const onNewIncident = useCallback((incident: IncidentDto) => {
    soundNewIncident(incident)
    const text = t('announce.newIncident', {
      priority: `${incident.priority} ${t(`priority.${incident.priority}`)}`,
      type: tOr('incidentType.', incident.type),
      resident: incident.residentName ?? t('queue.noResident'),
      site: incident.siteName ?? incident.siteId
    })
    const id = ++announcementSeq.current
    setAnnouncements((list) => [...list, { id, text }].slice(-ANNOUNCEMENTS_KEPT))
  }, [t, tOr])

  const queue = useLiveQueue({ getToken, onNewIncident })
  useP1AlarmRepeat(queue.incidents)
  const ack = useAcknowledgeIncidents(queue.apply)

  const acknowledgeIfOpen = useCallback((id: string) => {
    const incident = queue.byId.get(id)
    if (incident !== undefined && allowedActions(incident.status).includes('acknowledge')) ack.acknowledge(id)
  }, [queue.byId, ack.acknowledge])
  useAcknowledgeShortcut(selectedId, acknowledgeIfOpen)

  const closeDetail = useCallback(() => {
    const id = selectedId
    setSelectedId(null)
    // Back to where the operator was in the queue.
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid="incident-row"]')) {
      if (row.dataset.incidentId === id) row.focus()
    }
  }, [selectedId])

  // Row acknowledgements that failed, shown above the queue while they still matter: the incident
  // is still waiting, and not the one in the detail panel (which shows its own).
  const rowErrors = [...ack.errors].filter(([id]) => id !== selectedId && queue.byId.get(id)?.status === 'open')
  const loadError = queue.error === null ? null : describeApiError(queue.error, t)

  return (
    <div className='console'>
      {queue.connection === 'reconnecting' && (
        <Banner tone='warning' testId='connection-banner'>{t('connection.reconnecting')}</Banner>
      )}
      <AlarmAnnouncer announcements={announcements} />
      <div className='console__body'>
        <section className='console__queue' aria-labelledby='queue-title' id='queue' tabIndex={-1}>
          <div className='section-header'>
            <h1 id='queue-title' className='section-header__title'>
              {t('queue.title')}
              <span className='count-pill count-pill--large' data-testid='queue-count'>{t('queue.count', { count: queue.incidents.length })}</span>
            </h1>
            <p className='section-header__hint'>{t('queue.keyboardHint')}</p>
          </div>
          {rowErrors.map(([id, err]) => <ErrorMessage key={id} error={describeApiError(err, t)} />)}
          {loadError !== null && (
            <div className='inline-row'>
              <ErrorMessage error={{ ...loadError, message: `${t('queue.loadFailed')} ${loadError.message}` }} />
              <button type='button' className='button' onClick={queue.reload}>{t('queue.retry')}</button>
            </div>
          )}
          {queue.loading && queue.incidents.length === 0
            ? <p className='muted' role='status'>{t('queue.loading')}</p>
            : queue.incidents.length === 0
              ? <p className='empty-state' data-testid='queue-empty'>{t('queue.empty')}</p>
              : (
                <IncidentQueue
                  incidents={queue.incidents}
                  selectedId={selectedId}
                  acknowledgingIds={ack.pendingIds}
                  onSelect={setSelectedId}
                  onAcknowledge={acknowledgeIfOpen}
                />
                )}
        </section>
        <aside className='console__detail'>
          {selectedId === null
            ? <p className='empty-state'>{t('detail.empty')}</p>
            : (
              <IncidentDetailPanel
                incidentId={selectedId}
                live={queue.byId.get(selectedId)}
                acknowledging={ack.pendingIds.has(selectedId)}
                acknowledgeError={ack.errors.get(selectedId) ?? null}
                onAcknowledge={acknowledgeIfOpen}
                onChanged={queue.apply}
                onClose={closeDetail}
              />
              )}
        </aside>
      </div>
    </div>
  )
}
