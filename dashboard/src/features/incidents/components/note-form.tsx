import type { IncidentDto } from '@eldercare/protocols'
import { useId, useState, type FormEvent } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAddIncidentNote } from '../api/add-incident-note.ts'

export function NoteForm ({ incidentId, onDone }: { incidentId: string, onDone: (incident: IncidentDto) => void }) {
  const { t } = useI18n()
  const id = useId()
  const [text, setText] = useState('')
  const [missing, setMissing] = useState(false)
  const { run, pending, error } = useAddIncidentNote()

  async function submit (event: FormEvent) {
    event.preventDefault()
    if (text.trim() === '') {
      setMissing(true)
      return
    }
    setMissing(false)
    const updated = await run(incidentId, text.trim())
    if (updated !== null) {
      setText('')
      onDone(updated)
    }
  }

  return (
    <form className='action-form' onSubmit={(e) => { void submit(e) }} noValidate data-testid='note-form'>
      <label className='field__label' htmlFor={id}>{t('action.note')}</label>
      <textarea id={id} className='field__input' rows={2} value={text} onChange={(e) => { setText(e.target.value) }} aria-invalid={missing} />
      <ErrorMessage error={missing ? t('action.noteRequired') : error !== null ? describeApiError(error, t) : null} />
      <button type='submit' className='button' disabled={pending}>{pending ? t('action.working') : t('action.noteSubmit')}</button>
    </form>
  )
}
