import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { formatPhone } from '../../../lib/phone.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { createResponder, RESPONDER_KINDS, setResponderOnDuty, useResponders } from '../api/responders.ts'
import { AdminForm } from './admin-form.tsx'

/** Responders who can be dispatched: on duty or not, busy or free; register one. */
export function RespondersAdmin () {
  const { t, tOr } = useI18n()
  const responders = useResponders()
  const areas = useAreas()
  const [form, setForm] = useState({ name: '', kind: 'care_worker', areaId: '', phone: '' })
  const [invalid, setInvalid] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const create = useMutation(createResponder)
  const duty = useMutation(setResponderOnDuty)

  async function submit () {
    if (form.name.trim() === '' || form.areaId === '' || !/^\+?[0-9 -]{5,20}$/.test(form.phone.trim())) { setInvalid(t('admin.responders.invalid')); return }
    setInvalid(null)
    const created = await create.run({ name: form.name.trim(), kind: form.kind, areaId: form.areaId, phone: form.phone.trim(), onDuty: true })
    if (created !== null) {
      setDone(t('admin.created', { name: created.name }))
      setForm({ ...form, name: '', phone: '' })
      responders.reload()
    }
  }

  return (
    <div className='admin-grid'>
      <section aria-labelledby='responders-title'>
        <h2 id='responders-title' className='detail__section-title'>{t('admin.section.responders')}</h2>
        <ErrorMessage error={duty.error === null ? null : describeApiError(duty.error, t)} />
        <table className='data-table' data-testid='responders-table'>
          <thead>
            <tr>
              <th scope='col'>{t('admin.name')}</th><th scope='col'>{t('admin.responders.kind')}</th>
              <th scope='col'>{t('admin.users.area')}</th><th scope='col'>{t('resident.phone')}</th><th scope='col'>{t('dispatch.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {(responders.data ?? []).map((r) => (
              <tr key={r.id} data-testid='responder-row' data-responder-id={r.id}>
                <td>{r.name}</td>
                <td>{tOr('responderKind.', r.kind)}</td>
                <td>{r.areaName ?? r.areaId}</td>
                <td className='phone'>{formatPhone(r.phone)}</td>
                <td>
                  <label className='checkbox'>
                    <input type='checkbox' checked={r.onDuty} disabled={duty.pending} data-testid='responder-on-duty'
                      onChange={(e) => { void duty.run(r.id, e.target.checked).then((x) => { if (x !== null) responders.reload() }) }}
                    />
                    {t('admin.responders.onDuty')}
                  </label>
                  {r.busy && <span className='muted'> · {t('dispatch.busy')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <AdminForm title={t('admin.responders.create')} testId='responder-form' pending={create.pending} invalid={invalid} error={create.error} done={done} onSubmit={() => { void submit() }}>
        <FormField label={t('admin.name')}>{(id) => <input id={id} className='field__input' value={form.name} onChange={(e) => { setForm({ ...form, name: e.target.value }) }} data-testid='responder-name' />}</FormField>
        <SelectField label={t('admin.responders.kind')} value={form.kind} options={RESPONDER_KINDS.map((k) => ({ value: k, label: tOr('responderKind.', k) }))}
          onChange={(v) => { setForm({ ...form, kind: v }) }}
        />
        <SelectField label={t('admin.users.area')} value={form.areaId} options={(areas.data ?? []).map((a) => ({ value: a.id, label: `${'　'.repeat(a.depth)}${a.name}` }))}
          placeholder={{ value: '', label: t('admin.choose') }} onChange={(v) => { setForm({ ...form, areaId: v }) }} testId='responder-area'
        />
        <FormField label={t('resident.phone')}>{(id) => <input id={id} type='tel' className='field__input' value={form.phone} onChange={(e) => { setForm({ ...form, phone: e.target.value }) }} data-testid='responder-phone' />}</FormField>
      </AdminForm>
    </div>
  )
}
