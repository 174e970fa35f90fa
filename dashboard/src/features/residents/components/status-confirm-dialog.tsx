import type { ResidentStatus, StatusChangeDto } from '@eldercare/protocols'
import { useEffect, useRef, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { can } from '../../../lib/permissions.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { useSession } from '../../auth/session.ts'
import { toDateTimeLocal } from '../../visits/lib/visit.ts'
import { setResidentStatus } from '../api/resident-status.ts'

/** What a visit's or an incident's outcome offers (`suggestedStatus`), and where it came from. */
export interface StatusOffer {
  residentId: string
  residentName: string | null
  status: ResidentStatus
  /** ISO time the outcome dates it from (the visit's time, the resolution's) */
  statusSince: string
  /** why, for the status history: e.g. 探访结果：已故 */
  reason: string
}

/**
 * An outcome of `deceased` (or moved away, in hospital) offers to set the resident's status;
 * nothing changes until the operator confirms here, with the date editable (issue 16). Shown
 * only to roles that may set a status (`resident.status`). The platform records the same status
 * from the same date once, so a second confirmation changes nothing.
 */
export function StatusConfirmDialog ({ offer, onClose }: { offer: StatusOffer, onClose: (result: StatusChangeDto | null) => void }) {
  const { t, tOr } = useI18n()
  const role = useSession().session?.user.role
  const ref = useRef<HTMLDialogElement>(null)
  const [date, setDate] = useState(() => toDateTimeLocal(Date.parse(offer.statusSince)).slice(0, 10))
  const [result, setResult] = useState<StatusChangeDto | null>(null)
  const mutation = useMutation(setResidentStatus)
  const allowed = role !== undefined && can(role, 'resident.status')
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal?.()
  }, [])
  if (!allowed) return null

  const status = tOr('population.status.', offer.status)
  const confirm = async () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return
    const done = await mutation.run(offer.residentId, { status: offer.status, statusSince: date, reason: offer.reason })
    if (done !== null) setResult(done)
  }
  const close = () => { onClose(result) }

  return (
    <dialog ref={ref} className='dialog' aria-labelledby='status-confirm-title' data-testid='status-confirm-dialog' onCancel={(e) => { e.preventDefault(); close() }}>
      <h2 id='status-confirm-title'>{t('statusConfirm.title')}</h2>
      <p>{t('statusConfirm.question', { name: offer.residentName ?? offer.residentId, status })}</p>
      {result === null
        ? (
          <>
            <FormField label={t('statusConfirm.date')}>
              {(id) => <input id={id} type='date' className='field__input' value={date} required onChange={(e) => { setDate(e.target.value) }} data-testid='status-confirm-date' />}
            </FormField>
            <ErrorMessage error={mutation.error === null ? null : describeApiError(mutation.error, t)} />
            <div className='inline-row'>
              <button type='button' className='button button--primary' disabled={mutation.pending || date === ''} onClick={() => { void confirm() }} data-testid='status-confirm-yes'>
                {mutation.pending ? t('action.working') : t('statusConfirm.yes', { status })}
              </button>
              <button type='button' className='button' disabled={mutation.pending} onClick={close} data-testid='status-confirm-no'>{t('statusConfirm.no')}</button>
            </div>
          </>
          )
        : (
          <>
            <p role='status' data-testid='status-confirm-done'>
              {result.recorded ? t('statusConfirm.recorded', { status, date: result.statusSince.slice(0, 10) }) : t('statusConfirm.already', { status })}
            </p>
            <button type='button' className='button' onClick={close} data-testid='status-confirm-close'>{t('statusConfirm.close')}</button>
          </>
          )}
    </dialog>
  )
}
