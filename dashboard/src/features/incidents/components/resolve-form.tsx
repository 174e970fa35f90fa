import { OUTCOMES, type IncidentDto, type Outcome, type SuggestedStatusDto } from '@eldercare/protocols'
import { useId, useState, type FormEvent } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useResolveIncident } from '../api/resolve-incident.ts'

const isOutcome = (value: string): value is Outcome => (OUTCOMES as readonly string[]).includes(value)

/** Resolution needs an outcome code: the record of what happened is not optional. */
/** `onSuggested`: the platform offers a status change (outcome `deceased`); the caller asks the operator. */
export function ResolveForm ({ incidentId, onDone, onSuggested }: { incidentId: string, onDone: (incident: IncidentDto) => void, onSuggested?: (s: SuggestedStatusDto) => void }) {
  const { t } = useI18n()
  const outcomeId = useId()
  const noteId = useId()
  const [outcome, setOutcome] = useState('')
  const [note, setNote] = useState('')
  const [missing, setMissing] = useState(false)
  const { run, pending, error } = useResolveIncident()

  async function submit (event: FormEvent) {
    event.preventDefault()
    if (!isOutcome(outcome)) {
      setMissing(true)
      return
    }
    setMissing(false)
    const trimmed = note.trim()
    const updated = await run(incidentId, trimmed === '' ? { outcome } : { outcome, note: trimmed })
    if (updated === null) return
    const { suggestedStatus, ...incident } = updated
    onDone(incident)
    if (suggestedStatus !== undefined) onSuggested?.(suggestedStatus)
  }

  return (
    <form className='action-form' onSubmit={(e) => { void submit(e) }} noValidate data-testid='resolve-form'>
      <h4 className='action-form__title'>{t('action.resolve')}</h4>
      <label className='field__label' htmlFor={outcomeId}>{t('action.outcome')}</label>
      <select
        id={outcomeId}
        className='field__input'
        value={outcome}
        required
        aria-invalid={missing}
        onChange={(e) => { setOutcome(e.target.value) }}
        data-testid='resolve-outcome'
      >
        <option value=''>{t('action.outcomePlaceholder')}</option>
        {OUTCOMES.map((code) => <option key={code} value={code}>{t(`outcome.${code}`)}</option>)}
      </select>
      <label className='field__label' htmlFor={noteId}>{t('action.resolveNote')}</label>
      <textarea id={noteId} className='field__input' rows={2} value={note} onChange={(e) => { setNote(e.target.value) }} />
      <ErrorMessage error={missing ? t('action.outcomeRequired') : error !== null ? describeApiError(error, t) : null} />
      <button type='submit' className='button button--primary' disabled={pending} data-testid='resolve-submit'>
        {pending ? t('action.working') : t('action.resolveSubmit')}
      </button>
    </form>
  )
}
