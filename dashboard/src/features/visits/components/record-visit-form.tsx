import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { recordVisit, type Recorded, type VisitRecord } from '../api/record-visit.ts'
import { toDateTimeLocal, VISIT_OUTCOMES, type Visit, type VisitOutcome } from '../lib/visit.ts'

/** The body the form sends: the local date-time as an instant, empty notes and name left out. */
export function recordBody (form: { visitedAt: string, outcome: VisitOutcome, notes: string, followUpNeeded: boolean, visitorName: string }): VisitRecord {
  const body: VisitRecord = { visitedAt: new Date(form.visitedAt).toISOString(), outcome: form.outcome, followUpNeeded: form.followUpNeeded }
  if (form.notes.trim() !== '') body.notes = form.notes.trim()
  if (form.visitorName.trim() !== '') body.visitorName = form.visitorName.trim()
  return body
}

/** Records one planned visit: when, how the resident was, notes, and whether someone must follow up. */
export function RecordVisitForm ({ visit, onRecorded, onCancel }: { visit: Visit, onRecorded: (r: Recorded) => void, onCancel: () => void }) {
  const { t } = useI18n()
  // The visit usually has just happened: now, editable for one written up later.
  const [visitedAt, setVisitedAt] = useState(() => toDateTimeLocal(Date.now()))
  const [outcome, setOutcome] = useState<VisitOutcome>('well')
  const [notes, setNotes] = useState('')
  const [visitorName, setVisitorName] = useState('')
  const [followUpNeeded, setFollowUpNeeded] = useState(false)
  const mutation = useMutation(recordVisit)
  const invalid = visitedAt === '' || Number.isNaN(new Date(visitedAt).getTime())

  const submit = async () => {
    if (invalid) return
    const done = await mutation.run(visit.id, recordBody({ visitedAt, outcome, notes, followUpNeeded, visitorName }))
    if (done !== null) onRecorded(done)
  }

  return (
    <form className='report-card visit-form' aria-labelledby='visit-form-title' data-testid='visit-form' onSubmit={(e) => { e.preventDefault(); void submit() }}>
      <h2 id='visit-form-title' className='detail__section-title'>{t('visits.recordFor', { name: visit.residentName })}</h2>
      <FormField label={t('visits.visitedAt')}>
        {(id) => <input id={id} type='datetime-local' className='field__input' value={visitedAt} required aria-invalid={invalid} onChange={(e) => { setVisitedAt(e.target.value) }} data-testid='visit-visited-at' />}
      </FormField>
      <SelectField label={t('visits.outcome')} value={outcome} options={VISIT_OUTCOMES.map((o) => ({ value: o, label: t(`visitOutcome.${o}`) }))}
        onChange={(v) => { setOutcome(v as VisitOutcome) }} testId='visit-outcome'
      />
      <FormField label={t('visits.notes')}>
        {(id) => <textarea id={id} className='field__input' rows={3} maxLength={2000} value={notes} onChange={(e) => { setNotes(e.target.value) }} data-testid='visit-notes' />}
      </FormField>
      <FormField label={t('visits.visitorName')}>
        {(id) => <input id={id} className='field__input' maxLength={100} value={visitorName} onChange={(e) => { setVisitorName(e.target.value) }} data-testid='visit-visitor-name' />}
      </FormField>
      <label className='checkbox'>
        <input type='checkbox' checked={followUpNeeded} onChange={(e) => { setFollowUpNeeded(e.target.checked) }} data-testid='visit-follow-up' />
        {t('visits.followUp')}
      </label>
      <ErrorMessage error={mutation.error === null ? null : describeApiError(mutation.error, t)} testId='visit-form-error' />
      <div className='visit-form__actions'>
        <button type='submit' className='button button--primary' disabled={mutation.pending || invalid} data-testid='visit-save'>
          {mutation.pending ? t('visits.saving') : t('visits.save')}
        </button>
        <button type='button' className='button' onClick={onCancel}>{t('visits.cancel')}</button>
      </div>
    </form>
  )
}
