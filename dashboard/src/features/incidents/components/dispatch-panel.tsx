import { allowedActions, type IncidentDto } from '@eldercare/protocols'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { formatDistance } from '../../../lib/format-distance.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { formatPhone } from '../../../lib/phone.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { useCandidates } from '../api/get-candidates.ts'
import { declineOffer, dispatchIncident, markArrived } from '../api/dispatch-incident.ts'

/**
 * Sending someone: the responder now on the incident (offer status), the candidates with their
 * distance and status to pick from, and the next steps of the cascade (declined by phone, on scene).
 */
export function DispatchPanel ({ incident, onDone }: { incident: IncidentDto, onDone: (incident: IncidentDto) => void }) {
  const { t, tOr, locale } = useI18n()
  const allowed = allowedActions(incident.status)
  const canDispatch = allowed.includes('dispatch')
  const candidates = useCandidates(incident.id, incident.updatedAt)
  const dispatch = useMutation(dispatchIncident)
  const decline = useMutation(declineOffer)
  const arrive = useMutation(markArrived)
  const error = dispatch.error ?? decline.error ?? arrive.error
  const busy = dispatch.pending || decline.pending || arrive.pending
  const done = (result: IncidentDto | null) => { if (result !== null) onDone(result) }
  const responder = incident.responder ?? null

  if (!canDispatch && !allowed.includes('arrive') && responder === null) return null
  return (
    <div className='action-form dispatch' data-testid='dispatch-panel'>
      <h4 className='action-form__title'>{t('dispatch.title')}</h4>
      {responder !== null && (
        <p data-testid='dispatch-current' data-offer-status={responder.offerStatus} data-distance-m={responder.distanceM ?? undefined}>
          {t('dispatch.current', { name: responder.name, status: tOr('offerStatus.', responder.offerStatus) })}
          {responder.distanceM != null && <span className='muted' data-testid='dispatch-current-distance'> · {t(responder.distanceFrom === 'home' ? 'distance.toHome' : 'distance.toPosition', { distance: formatDistance(responder.distanceM, locale) })}</span>}
        </p>
      )}
      <div className='inline-row'>
        {canDispatch && (
          <button type='button' className='button button--primary' disabled={busy} data-testid='dispatch-best'
            onClick={() => { void dispatch.run(incident.id, null).then(done) }}
          >
            {t('dispatch.best')}
          </button>
        )}
        {responder !== null && ['offered', 'accepted'].includes(responder.offerStatus) && (
          <button type='button' className='button' disabled={busy} data-testid='dispatch-decline' onClick={() => { void decline.run(incident.id).then(done) }}>
            {t('dispatch.decline')}
          </button>
        )}
        {allowed.includes('arrive') && (
          <button type='button' className='button' disabled={busy} data-testid='dispatch-arrive' onClick={() => { void arrive.run(incident.id).then(done) }}>
            {t('dispatch.arrive')}
          </button>
        )}
      </div>
      <ErrorMessage error={error === null ? null : describeApiError(error, t)} />
      {canDispatch && (
        candidates.data === null
          ? candidates.error !== null && <ErrorMessage error={describeApiError(candidates.error, t)} />
          : candidates.data.length === 0
            ? <p className='muted'>{t('dispatch.noCandidates')}</p>
            : (
              <table className='data-table' data-testid='dispatch-candidates'>
                <caption className='visually-hidden'>{t('dispatch.candidates')}</caption>
                <thead>
                  <tr>
                    <th scope='col'>{t('dispatch.col.name')}</th>
                    <th scope='col'>{t('dispatch.col.distance')}</th>
                    <th scope='col'>{t('dispatch.col.status')}</th>
                    <th scope='col'><span className='visually-hidden'>{t('queue.col.actions')}</span></th>
                  </tr>
                </thead>
                <tbody>
                  {candidates.data.map((c) => (
                    <tr key={c.id} data-testid='dispatch-candidate' data-responder-id={c.id}>
                      <td>
                        <strong>{c.name}</strong> <span className='muted'>{tOr('responderKind.', c.kind)}{c.areaName !== null ? ` · ${c.areaName}` : ''}</span>
                        {c.phone !== null && <span className='phone muted'> · {formatPhone(c.phone)}</span>}
                      </td>
                      <td className='nowrap' data-testid='dispatch-candidate-distance'>{formatDistance(c.distanceM, locale)}</td>
                      <td className='nowrap'>{c.busy ? t('dispatch.busy') : c.onDuty ? t('dispatch.free') : t('dispatch.offDuty')}</td>
                      <td>
                        <button type='button' className='button' disabled={busy} data-testid='dispatch-candidate-button'
                          aria-label={t('dispatch.sendNamed', { name: c.name })}
                          onClick={() => { void dispatch.run(incident.id, c.id).then(done) }}
                        >
                          {t('dispatch.send')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              )
      )}
    </div>
  )
}
