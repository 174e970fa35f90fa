import { allowedActions, type IncidentDto } from '@eldercare/protocols'
import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react'
import { Banner } from '../../../components/banner.tsx'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { notifyIfHidden } from '../../../lib/browser-notification.ts'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAcknowledgeIncidents } from '../api/acknowledge-incident.ts'
import { useAcknowledgeShortcut } from '../hooks/use-acknowledge-shortcut.ts'
import { useLiveQueue } from '../hooks/use-live-queue.ts'
import { useP1AlarmRepeat } from '../hooks/use-p1-alarm-repeat.ts'
import { soundNewIncident } from '../lib/alarm-sound.ts'
import { filterQueue, isFiltered, NO_QUEUE_FILTER, queueAreas, type QueueFilter } from '../lib/queue.ts'
import { AlarmAnnouncer, type Announcement } from './alarm-announcer.tsx'
import { IncidentDetailPanel } from './incident-detail-panel.tsx'
import { IncidentQueue } from './incident-queue.tsx'
import { QueueFilters } from './queue-filters.tsx'

/** How many recent announcements stay in the live region. */
const ANNOUNCEMENTS_KEPT = 5

export interface IncidentsConsoleProps {
  /** The session token for the realtime connection. */
  getToken: () => string | null
  /** Whether this user may act on incidents (acknowledge, resolve, …); auditors only read. Default true. */
  canAct?: boolean
  /**
   * Whether the console is the screen on view. It stays mounted on every screen, so alarms keep
   * sounding and the queue stays current, but its keyboard shortcut only works while it is shown.
   */
  active?: boolean
  /** What the app shows about the incident's resident and site in the workspace (other features). */
  renderContext?: (incident: IncidentDto) => ReactNode
  /** An incident to open, from the route (`#/queue/<id>`, e.g. the visit follow-up link); opened again whenever it changes. */
  selectId?: string | null
}

/** The operator's home screen: the live queue on the left, the selected incident on the right. */
export function IncidentsConsole ({ getToken, canAct = true, active = true, renderContext, selectId = null }: IncidentsConsoleProps) {
  const { t, tOr } = useI18n()
  const [selectedId, setSelectedId] = useState<string | null>(selectId)
  const [routedId, setRoutedId] = useState(selectId)
  if (routedId !== selectId) {
    // A new route asks for an incident: open it; leaving the route keeps what the operator has open.
    setRoutedId(selectId)
    if (selectId !== null) setSelectedId(selectId)
  }
  const [filter, setFilter] = useState<QueueFilter>(NO_QUEUE_FILTER)
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
    notifyIfHidden({ tag: incident.id, title: t('app.title'), body: text, sticky: incident.priority === 'P1' })
  }, [t, tOr])

  const queue = useLiveQueue({ getToken, onNewIncident, onReAlert: onNewIncident })
  const shown = useMemo(() => filterQueue(queue.incidents, filter), [queue.incidents, filter])
  const areas = useMemo(() => queueAreas(queue.byId.values()), [queue.byId])
  useP1AlarmRepeat(queue.incidents)
  const ack = useAcknowledgeIncidents(queue.apply)

  // Stable across queue changes (it reads the queue through a ref): every memoised row gets it,
  // and a new identity per alarm would re-render all of them.
  const byIdRef = useRef(queue.byId)
  byIdRef.current = queue.byId
  const acknowledgeIfOpen = useCallback((id: string) => {
    const incident = byIdRef.current.get(id)
    if (canAct && incident !== undefined && allowedActions(incident.status).includes('acknowledge')) ack.acknowledge(id)
  }, [ack.acknowledge, canAct])
  useAcknowledgeShortcut(active && canAct ? selectedId : null, acknowledgeIfOpen)

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
              <span className='count-pill count-pill--large' data-testid='queue-count'>
                {isFiltered(filter) ? t('queue.countFiltered', { shown: shown.length, count: queue.incidents.length }) : t('queue.count', { count: queue.incidents.length })}
              </span>
            </h1>
            <p className='section-header__hint'>{t('queue.keyboardHint')}</p>
          </div>
          <QueueFilters filter={filter} areas={areas} onChange={setFilter} />
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
              : shown.length === 0
                ? <p className='empty-state' data-testid='queue-filtered-empty'>{t('queue.filteredEmpty')}</p>
                : (
                <IncidentQueue
                  incidents={shown}
                  selectedId={selectedId}
                  acknowledgingIds={ack.pendingIds}
                  canAct={canAct}
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
                canAct={canAct}
                renderContext={renderContext}
              />
              )}
        </aside>
      </div>
    </div>
  )
}
