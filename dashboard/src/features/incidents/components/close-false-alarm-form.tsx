import type { IncidentDto } from '@eldercare/protocols'
import { useId, useState, type FormEvent } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useCloseIncident } from '../api/close-incident.ts'

/** Closing as a false alarm needs a reason, for the audit trail and device follow-up. */
export function CloseFalseAlarmForm ({ incidentId, onDone }: { incidentId: string, onDone: (incident: IncidentDto) => void }) {
  const { t } = useI18n()
  const id = useId()
  const [reason, setReason] = useState('')
  const [missing, setMissing] = useState(false)
  const { run, pending, error } = useCloseIncident()

  async function submit (event: FormEvent) {
    event.preventDefault()
    if (reason.trim() === '') {
      setMissing(true)
      return
    }
    setMissing(false)
    const updated = await run(incidentId, reason.trim())
    if (updated !== null) onDone(updated)
  }

  return (
    <form className='action-form' onSubmit={(e) => { void submit(e) }} noValidate data-testid='close-form'>
      <h4 className='action-form__title'>{t('action.closeFalseAlarm')}</h4>
      <label className='field__label' htmlFor={id}>{t('action.closeReason')}</label>
      <textarea id={id} className='field__input' rows={2} value={reason} onChange={(e) => { setReason(e.target.value) }} aria-invalid={missing} />
      <ErrorMessage error={missing ? t('action.closeReasonRequired') : error !== null ? describeApiError(error, t) : null} />
      <button type='submit' className='button button--danger' disabled={pending} data-testid='close-submit'>
        {pending ? t('action.working') : t('action.closeSubmit')}
      </button>
    </form>
  )
}
