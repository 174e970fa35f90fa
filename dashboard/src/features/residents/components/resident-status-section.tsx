import { RESIDENT_STATUSES, type ResidentStatus } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useVocabulary } from '../../../lib/i18n/vocabulary.ts'
import { can } from '../../../lib/permissions.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { useSession } from '../../auth/session.ts'
import { setResidentStatus, useStatusHistory } from '../api/resident-status.ts'
import { updateResidentGroups } from '../api/update-resident-groups.ts'
import { toDateTimeLocal } from '../../visits/lib/visit.ts'
import type { Resident } from '../lib/resident.ts'
import { GROUP_CHOICES } from '../../../lib/registry/resident.ts'

/**
 * The resident's status with its date and every earlier change (issue 16: active, in hospital,
 * moved out, deceased; counts use the status at the period's dates), a form to change it
 * (`resident.status`), and the plans' groups, each its own flag (`registry.write`).
 */
export function ResidentStatusSection ({ resident, onChanged }: { resident: Resident, onChanged: () => void }) {
  const { t, tOr } = useI18n()
  const name = useVocabulary()
  const role = useSession().session?.user.role
  const canRead = role !== undefined && can(role, 'assessment.read')
  const canSet = role !== undefined && can(role, 'resident.status')
  const canGroups = role !== undefined && can(role, 'registry.write')
  const history = useStatusHistory(resident.id, canRead)
  const [status, setStatus] = useState<ResidentStatus>((resident.status as ResidentStatus | undefined) ?? 'active')
  const [since, setSince] = useState(() => toDateTimeLocal(Date.now()).slice(0, 10))
  const [reason, setReason] = useState('')
  const [flags, setFlags] = useState<string[]>(resident.flags ?? [])
  const [saved, setSaved] = useState<string | null>(null)
  const change = useMutation(setResidentStatus)
  const groups = useMutation(updateResidentGroups)
  if (!canRead) return null
  const label = (s: string) => tOr('population.status.', s)

  const saveStatus = async () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(since)) return
    const done = await change.run(resident.id, { status, statusSince: since, ...(reason.trim() !== '' ? { reason: reason.trim() } : {}) })
    if (done === null) return
    setSaved(done.recorded ? t('statusConfirm.recorded', { status: label(done.status), date: done.statusSince.slice(0, 10) }) : t('statusConfirm.already', { status: label(done.status) }))
    setReason('')
    history.reload()
    onChanged()
  }
  const saveGroups = async () => {
    if (await groups.run(resident.id, GROUP_CHOICES.map((g) => g.key).filter((k) => flags.includes(k))) === null) return
    setSaved(t('residentStatus.groupsSaved'))
    onChanged()
  }

  return (
    <section className='report-card' aria-labelledby={`status-${resident.id}`} data-testid='resident-status-section'>
      <h3 id={`status-${resident.id}`} className='detail__section-title'>{t('residentStatus.title')}</h3>
      <p data-testid='resident-status-current'>
        {t('residentStatus.current')}：<strong>{label(history.data?.status ?? resident.status ?? 'active')}</strong>
        {(history.data?.statusSince ?? resident.statusSince) ? ` · ${t('residentStatus.sinceDate', { date: (history.data?.statusSince ?? resident.statusSince ?? '').slice(0, 10) })}` : ''}
      </p>
      {history.error !== null && <ErrorMessage error={describeApiError(history.error, t)} />}
      <h4 className='bars__title'>{t('residentStatus.history')}</h4>
      {history.data !== null && history.data.items.length === 0
        ? <p className='muted'>{t('residentStatus.noHistory')}</p>
        : (
          <ol className='timeline' data-testid='resident-status-history'>
            {(history.data?.items ?? []).map((h, i) => (
              <li key={`${h.since}-${i}`}>
                {h.since.slice(0, 10)} · <strong>{label(h.status)}</strong>
                {h.recordedBy !== null && <span className='muted'> · {t('residentStatus.by', { who: h.recordedBy })}</span>}
                {h.reason !== null && <span> · {h.reason}</span>}
              </li>
            ))}
          </ol>
          )}
      {canSet && (
        <form className='action-form' data-testid='resident-status-form' onSubmit={(e) => { e.preventDefault(); void saveStatus() }}>
          <h4 className='action-form__title'>{t('residentStatus.change')}</h4>
          <SelectField label={t('resident.status')} value={status} options={RESIDENT_STATUSES.map((s) => ({ value: s, label: label(s) }))} onChange={(v) => { setStatus(v as ResidentStatus) }} testId='resident-status-select' />
          <FormField label={t('statusConfirm.date')}>
            {(id) => <input id={id} type='date' className='field__input' value={since} required onChange={(e) => { setSince(e.target.value) }} data-testid='resident-status-since' />}
          </FormField>
          <FormField label={t('residentStatus.reason')}>
            {(id) => <input id={id} className='field__input' maxLength={200} value={reason} onChange={(e) => { setReason(e.target.value) }} />}
          </FormField>
          <ErrorMessage error={change.error === null ? null : describeApiError(change.error, t)} />
          <button type='submit' className='button button--primary' disabled={change.pending || since === ''} data-testid='resident-status-save'>{change.pending ? t('action.working') : t('residentStatus.save')}</button>
        </form>
      )}
      {canGroups && (
        <form className='action-form' data-testid='resident-groups-form' onSubmit={(e) => { e.preventDefault(); void saveGroups() }}>
          <h4 className='action-form__title'>{t('resident.groups')}</h4>
          {GROUP_CHOICES.map((g) => (
            <label key={g.key} className='checkbox'>
              <input type='checkbox' checked={flags.includes(g.key)} data-testid={`resident-flag-${g.key}`}
                onChange={(e) => { setFlags(e.target.checked ? [...flags, g.key] : flags.filter((f) => f !== g.key)) }}
              />
              {name(g)}
            </label>
          ))}
          <p className='field__hint muted'>{t('admin.residents.disabledHint')}</p>
          <ErrorMessage error={groups.error === null ? null : describeApiError(groups.error, t)} />
          <button type='submit' className='button' disabled={groups.pending} data-testid='resident-groups-save'>{t('residentStatus.groupsSave')}</button>
        </form>
      )}
      <p role='status' data-testid='resident-status-saved'>{saved}</p>
    </section>
  )
}
