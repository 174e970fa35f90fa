import { PRIORITIES, type Priority } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { putResponsePolicy, resetResponsePolicy, useResponsePolicy, type ResponsePolicy } from '../api/response-policy.ts'
import { AdminForm } from './admin-form.tsx'

/** Deadlines as a person edits them: seconds. */
type Draft = Record<Priority, string> & { onScene: string, offer: string, correlation: string }

const toDraft = (p: ResponsePolicy): Draft => ({
  ...Object.fromEntries(PRIORITIES.map((k) => [k, String(p.sla.ackDeadlineMs[k] / 1000)])) as Record<Priority, string>,
  onScene: String(p.sla.onSceneDeadlineMs / 1000),
  offer: String(p.sla.offerTimeoutMs / 1000),
  correlation: String(p.sla.correlationWindowMs / 1000)
})

/** Seconds → ms, within the platform's bounds (1 s to 7 days); null when not a whole number in range. */
export function secondsToMs (text: string): number | null {
  const s = Number(text)
  return Number.isInteger(s) && s >= 1 && s <= 7 * 24 * 3600 ? s * 1000 : null
}

/**
 * The SLA part of the response policy: acknowledgement deadline per priority, on-scene deadline,
 * offer timeout, correlation window; the escalation steps are shown. Saving applies from now on.
 */
export function PolicyAdmin () {
  const { t, tOr } = useI18n()
  const policy = useResponsePolicy()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [invalid, setInvalid] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const save = useMutation(putResponsePolicy)
  const reset = useMutation(resetResponsePolicy)
  if (policy.error !== null) return <ErrorMessage error={describeApiError(policy.error, t)} />
  if (policy.data === null) return <p className='muted' role='status'>{t('common.loading')}</p>
  const current = policy.data
  const shown = draft ?? toDraft(current)
  const field = (key: keyof Draft, label: string) => (
    <FormField label={label}>
      {(id) => <input id={id} className='field__input' inputMode='numeric' value={shown[key]} data-testid={`policy-${key}`} onChange={(e) => { setDraft({ ...shown, [key]: e.target.value }) }} />}
    </FormField>
  )

  async function submit () {
    const ack = PRIORITIES.map((p) => secondsToMs(shown[p]))
    const rest = [shown.onScene, shown.offer, shown.correlation].map(secondsToMs)
    if ([...ack, ...rest].some((v) => v === null)) { setInvalid(t('admin.policy.invalid')); return }
    setInvalid(null)
    const next: ResponsePolicy = {
      priority: current.priority,
      sla: {
        ...current.sla,
        ackDeadlineMs: Object.fromEntries(PRIORITIES.map((p, i) => [p, ack[i]])) as Record<Priority, number>,
        onSceneDeadlineMs: rest[0]!, offerTimeoutMs: rest[1]!, correlationWindowMs: rest[2]!
      }
    }
    const saved = await save.run(next)
    if (saved !== null) {
      setDone(t('admin.policy.saved'))
      setDraft(null)
      policy.reload()
    }
  }

  return (
    <div className='admin-grid'>
      <AdminForm title={t('admin.policy.sla')} testId='policy-form' pending={save.pending} invalid={invalid} error={save.error ?? reset.error} done={done} onSubmit={() => { void submit() }}>
        {PRIORITIES.map((p) => <div key={p}>{field(p, t('admin.policy.ack', { priority: `${p} ${t(`priority.${p}`)}` }))}</div>)}
        {field('onScene', t('admin.policy.onScene'))}
        {field('offer', t('admin.policy.offer'))}
        {field('correlation', t('admin.policy.correlation'))}
        <button type='button' className='button button--quiet' disabled={reset.pending} data-testid='policy-reset'
          onClick={() => { void reset.run().then((r) => { if (r !== null) { setDraft(null); setDone(t('admin.policy.resetDone')); policy.reload() } }) }}
        >
          {t('admin.policy.reset')}
        </button>
      </AdminForm>
      <section aria-labelledby='escalation-title'>
        <h2 id='escalation-title' className='detail__section-title'>{t('admin.policy.escalation')}</h2>
        <table className='data-table' data-testid='policy-escalation'>
          <thead><tr><th scope='col'>{t('queue.col.priority')}</th><th scope='col'>{t('admin.policy.after')}</th><th scope='col'>{t('admin.policy.action')}</th><th scope='col'>{t('admin.policy.until')}</th></tr></thead>
          <tbody>
            {PRIORITIES.flatMap((p) => current.sla.escalation[p].map((s, i) => (
              <tr key={`${p}-${i}`}>
                <td>{p}</td>
                <td>{t('admin.policy.seconds', { s: s.afterMs / 1000 })}</td>
                <td>{tOr('escalationAction.', s.action)}</td>
                <td>{tOr('status.', s.until)}</td>
              </tr>
            )))}
          </tbody>
        </table>
      </section>
    </div>
  )
}
