import { useState } from 'react'
import type { DailyCheckinPlanDto } from '@eldercare/protocols'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { putDailyCheckin, useDailyCheckin } from '../api/daily-checkin.ts'

interface Draft { windowStart: string, windowEnd: string, escalateAfterMin: string }

/** What a new plan starts from: the morning window of the seeds' 报平安 services. */
const NEW_PLAN: Draft = { windowStart: '07:00', windowEnd: '10:00', escalateAfterMin: '120' }
const HHMM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/
const minutes = (hhmm: string): number => { const [h, m] = hhmm.split(':').map(Number); return h * 60 + m }

const toDraft = (plan: DailyCheckinPlanDto | null): Draft => plan === null
  ? NEW_PLAN
  : { windowStart: plan.windowStart, windowEnd: plan.windowEnd, escalateAfterMin: String(plan.escalateAfterMin) }

/**
 * The resident's daily check-in (报平安) plan: by when they must say they are well each day (a
 * window in the service's time zone), and what happens when they do not (a follow-up visit task
 * for their community at the window's end, an incident if nobody reaches them in time). Create,
 * change, disable and enable again; `canEdit` (capability `checkin.plan`) or read only.
 */
export function DailyCheckinForm ({ residentId, canEdit }: { residentId: string, canEdit: boolean }) {
  const { t, formatDateTime } = useI18n()
  const plan = useDailyCheckin(residentId)
  const save = useMutation(putDailyCheckin)
  const [draft, setDraft] = useState<Draft>(NEW_PLAN)
  const [invalid, setInvalid] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  // The draft follows the plan as it arrives (and after a save), set while rendering rather than
  // in an effect: with an effect the fields showed the defaults for one frame after the plan had
  // loaded, and an edit made in that frame was overwritten when the effect ran.
  const [synced, setSynced] = useState<DailyCheckinPlanDto | null | undefined>(undefined)
  if (!plan.loading && synced !== plan.data) {
    setSynced(plan.data)
    setDraft(toDraft(plan.data))
  }

  if (plan.error !== null) return <ErrorMessage error={describeApiError(plan.error, t)} />
  if (plan.loading && plan.data === null) return <p className='muted' role='status'>{t('common.loading')}</p>
  const current = plan.data

  /** Checks the draft and says what to fix; null when it may be sent. */
  function problem (): string | null {
    if (!HHMM.test(draft.windowStart) || !HHMM.test(draft.windowEnd)) return t('checkin.invalidTime')
    if (minutes(draft.windowEnd) <= minutes(draft.windowStart)) return t('checkin.invalidOrder')
    const escalate = Number(draft.escalateAfterMin)
    if (!Number.isInteger(escalate) || escalate < 10 || escalate > 1440) return t('checkin.invalidEscalate')
    return null
  }

  async function send (enabled: boolean, done: string) {
    const wrong = problem()
    setInvalid(wrong)
    setSaved(null)
    if (wrong !== null) return
    const result = await save.run(residentId, { windowStart: draft.windowStart, windowEnd: draft.windowEnd, escalateAfterMin: Number(draft.escalateAfterMin), enabled })
    if (result !== null) { plan.setData(result); setSaved(done) }
  }

  const readOnly = !canEdit || save.pending
  return (
    <form className='action-form' data-testid='checkin-form' data-state={current === null ? 'none' : current.enabled ? 'enabled' : 'disabled'}
      onSubmit={(e) => { e.preventDefault(); void send(current?.enabled ?? true, current === null ? t('checkin.created') : t('checkin.saved')) }} noValidate
    >
      <p role='status' data-testid='checkin-state'>
        {current === null ? t('checkin.none') : current.enabled ? t('checkin.enabled') : t('checkin.disabled')}
        {current !== null && current.updatedAt !== null && <span className='muted'> · {t('checkin.updated', { by: current.updatedBy ?? '—', at: formatDateTime(current.updatedAt) })}</span>}
      </p>
      <div className='inline-row'>
        <FormField label={t('checkin.windowStart')}>
          {(id) => <input id={id} type='time' className='field__input' value={draft.windowStart} disabled={readOnly} data-testid='checkin-start' onChange={(e) => { setDraft({ ...draft, windowStart: e.target.value }) }} />}
        </FormField>
        <FormField label={t('checkin.windowEnd')}>
          {(id) => <input id={id} type='time' className='field__input' value={draft.windowEnd} disabled={readOnly} data-testid='checkin-end' onChange={(e) => { setDraft({ ...draft, windowEnd: e.target.value }) }} />}
        </FormField>
        <FormField label={t('checkin.escalateAfter')} hint={t('checkin.escalateHint')}>
          {(id) => <input id={id} className='field__input field__input--narrow' inputMode='numeric' value={draft.escalateAfterMin} disabled={readOnly} data-testid='checkin-escalate' onChange={(e) => { setDraft({ ...draft, escalateAfterMin: e.target.value }) }} />}
        </FormField>
      </div>
      <p className='muted' data-testid='checkin-explain'>
        {t('checkin.explain', { start: draft.windowStart, end: draft.windowEnd, minutes: draft.escalateAfterMin, zone: current?.timeZone ?? t('checkin.serviceZone') })}
      </p>
      {invalid !== null && <p className='error-message' role='alert'>{invalid}</p>}
      {save.error !== null && <ErrorMessage error={describeApiError(save.error, t)} />}
      {saved !== null && <p role='status' className='muted' data-testid='checkin-saved'>{saved}</p>}
      {canEdit && (
        <div className='inline-row'>
          <button type='submit' className='button button--primary' disabled={save.pending} data-testid='checkin-save'>
            {current === null ? t('checkin.create') : t('checkin.save')}
          </button>
          {current !== null && (
            <button type='button' className='button' disabled={save.pending} data-testid='checkin-toggle'
              onClick={() => { void send(!current.enabled, current.enabled ? t('checkin.disabledNow') : t('checkin.enabledNow')) }}
            >
              {current.enabled ? t('checkin.disable') : t('checkin.enable')}
            </button>
          )}
        </div>
      )}
      {current !== null && current.days.length > 0 && (
        <table className='table' data-testid='checkin-days'>
          <caption>{t('checkin.days')}</caption>
          <thead><tr><th scope='col'>{t('checkin.day')}</th><th scope='col'>{t('checkin.outcome')}</th><th scope='col'>{t('checkin.confirmedBy')}</th></tr></thead>
          <tbody>
            {current.days.map((d) => (
              <tr key={d.day} data-status={d.status}>
                <td>{d.day}</td>
                <td>{t(`checkin.status.${d.status}`)}</td>
                <td>{d.confirmedBy === null ? '—' : t(`checkin.by.${d.confirmedBy as 'checkin' | 'call' | 'visit' | 'phone'}`)}{d.confirmedAt !== null && <span className='muted'> · {formatDateTime(d.confirmedAt)}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </form>
  )
}

/** The form under its heading, as the resident screen shows it. */
export function DailyCheckinSection ({ residentId, canEdit }: { residentId: string, canEdit: boolean }) {
  const { t } = useI18n()
  return (
    <section aria-labelledby={`checkin-${residentId}`} data-testid='checkin-section'>
      <h3 className='detail__section-title' id={`checkin-${residentId}`}>{t('checkin.title')}</h3>
      <DailyCheckinForm residentId={residentId} canEdit={canEdit} />
    </section>
  )
}
