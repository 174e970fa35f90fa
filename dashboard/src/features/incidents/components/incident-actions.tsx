import { allowedActions, isActive, type IncidentDto } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { CloseFalseAlarmForm } from './close-false-alarm-form.tsx'
import { DispatchPanel } from './dispatch-panel.tsx'
import { IntercomActions } from './intercom-actions.tsx'
import { NoteForm } from './note-form.tsx'
import { ResolveForm } from './resolve-form.tsx'
import { StatusConfirmDialog, type StatusOffer } from '../../residents/components/status-confirm-dialog.tsx'

export interface IncidentActionsProps {
  incident: IncidentDto
  /** Acknowledgement is shared with the queue (row button, `a` key), so it comes from above. */
  acknowledging: boolean
  acknowledgeError: Error | null
  onAcknowledge: (id: string) => void
  /** Any other action succeeded with this result. */
  onDone: (incident: IncidentDto) => void
}

/** Offers exactly the actions the shared state machine allows from the incident's status. */
export function IncidentActions ({ incident, acknowledging, acknowledgeError, onAcknowledge, onDone }: IncidentActionsProps) {
  const { t } = useI18n()
  const allowed = allowedActions(incident.status)
  // kept here, not in the resolve form: the form goes once the incident is resolved, the question stays
  const [offer, setOffer] = useState<StatusOffer | null>(null)
  const dialog = offer !== null && <StatusConfirmDialog offer={offer} onClose={() => { setOffer(null) }} />

  if (!isActive(incident.status)) return <><p className='muted'>{t('action.noneAvailable')}</p>{dialog}</>

  return (
    <div className='actions' data-testid='incident-actions'>
      {allowed.includes('acknowledge') && (
        <div className='action-form'>
          <button
            type='button'
            className='button button--primary button--large'
            data-testid='detail-ack-button'
            disabled={acknowledging}
            onClick={() => { onAcknowledge(incident.id) }}
          >
            {acknowledging ? t('action.working') : t('action.acknowledge')}
            <kbd className='kbd' aria-hidden='true'>A</kbd>
          </button>
          <ErrorMessage error={acknowledgeError !== null ? describeApiError(acknowledgeError, t) : null} />
        </div>
      )}
      {incident.status !== 'open' && <DispatchPanel incident={incident} onDone={onDone} />}
      <IntercomActions incident={incident} onSent={() => { onDone(incident) }} />
      {allowed.includes('resolve') && (
        <ResolveForm
          incidentId={incident.id} onDone={onDone}
          onSuggested={(s) => {
            const residentId = s.residentId ?? incident.residentId
            if (residentId) setOffer({ residentId, residentName: incident.residentName, status: s.status, statusSince: s.statusSince, reason: t('statusConfirm.reasonIncident', { status: t('outcome.deceased') }) })
          }}
        />
      )}
      <NoteForm incidentId={incident.id} onDone={onDone} />
      {allowed.includes('close_false_alarm') && <CloseFalseAlarmForm incidentId={incident.id} onDone={onDone} />}
      {dialog}
    </div>
  )
}
