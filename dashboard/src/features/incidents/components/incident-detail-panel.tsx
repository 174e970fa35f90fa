import type { IncidentDto } from '@eldercare/protocols'
import { useEffect, useRef, type ReactNode } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { CloseIcon } from '../../../components/icons.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useIncident } from '../api/get-incident.ts'
import { IncidentActions } from './incident-actions.tsx'
import { IncidentFacts } from './incident-facts.tsx'
import { IncidentTimeline } from './incident-timeline.tsx'

export interface IncidentDetailPanelProps {
  incidentId: string
  /** The queue's copy, kept current by the socket; absent once the incident left the queue. */
  live: IncidentDto | undefined
  acknowledging: boolean
  acknowledgeError: Error | null
  onAcknowledge: (id: string) => void
  /** An action succeeded: the queue should show what it returned. */
  onChanged: (incident: IncidentDto) => void
  onClose: () => void
  /** False for roles that only read (auditors): no actions offered. Default true. */
  canAct?: boolean
  /** The resident card, the site's devices and whatever else the app puts beside the incident. */
  renderContext?: (incident: IncidentDto) => ReactNode
}

const isNewer = (a: IncidentDto, b: IncidentDto): boolean => Date.parse(a.updatedAt) > Date.parse(b.updatedAt)

export function IncidentDetailPanel ({ incidentId, live, acknowledging, acknowledgeError, onAcknowledge, onChanged, onClose, canAct = true, renderContext }: IncidentDetailPanelProps) {
  const { t, tOr } = useI18n()
  const detail = useIncident(incidentId)
  const { data, reload, setData } = detail

  // Someone else acted (socket update): the timeline changed too, so fetch it again, once per
  // version, so a server whose detail lags its events cannot make us loop.
  const reloadedFor = useRef<string | null>(null)
  useEffect(() => {
    if (live === undefined || data === null || !isNewer(live, data) || reloadedFor.current === live.updatedAt) return
    reloadedFor.current = live.updatedAt
    reload()
  }, [live, data, reload])

  const loadError = detail.error === null ? null : describeApiError(detail.error, t)
  const shown: IncidentDto | null = data === null ? live ?? null : live !== undefined && isNewer(live, data) ? live : data

  function changed (updated: IncidentDto) {
    onChanged(updated)
    // Show the new state at once; the reload brings the timeline entry the action added.
    if (data !== null && data.id === updated.id) setData({ ...data, ...updated, timeline: data.timeline })
    reload()
  }

  return (
    <section
      className='detail'
      aria-labelledby='detail-title'
      data-testid='incident-detail'
      data-incident-id={incidentId}
      onKeyDown={(e) => { if (e.key === 'Escape') onClose() }}
    >
      <header className='detail__header'>
        <h2 id='detail-title' className='detail__title'>
          {shown === null ? t('detail.title') : `${tOr('incidentType.', shown.type)} · ${shown.residentName ?? shown.siteName ?? shown.siteId}`}
        </h2>
        <button type='button' className='button button--quiet' onClick={onClose} data-testid='detail-close'>
          <CloseIcon />{t('detail.close')}
        </button>
      </header>
      {loadError !== null && (
        <>
          <ErrorMessage error={{ ...loadError, message: `${t('detail.loadFailed')} ${loadError.message}` }} />
          <button type='button' className='button' onClick={reload}>{t('queue.retry')}</button>
        </>
      )}
      {shown === null
        ? detail.loading && <p className='muted'>{t('detail.loading')}</p>
        : (
          <>
            {renderContext?.(shown)}
            {canAct && (
              <>
                <h3 className='detail__section-title'>{t('detail.actions')}</h3>
                <IncidentActions
                  key={shown.id}
                  incident={shown}
                  acknowledging={acknowledging}
                  acknowledgeError={acknowledgeError}
                  onAcknowledge={onAcknowledge}
                  onDone={changed}
                />
              </>
            )}
            <IncidentFacts incident={shown} />
            <h3 className='detail__section-title'>{t('detail.timeline')}</h3>
            <IncidentTimeline entries={data?.timeline ?? []} />
          </>
          )}
    </section>
  )
}
