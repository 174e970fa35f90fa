import { DEVICE_TYPES, type DeviceType } from '@eldercare/protocols'
import { useState } from 'react'
import { FormField } from '../../../components/form-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useResidents } from '../../../lib/registry/get-residents.ts'
import { useSites } from '../../../lib/registry/get-sites.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { createDevice, type CreatedDevice } from '../api/create-device.ts'
import { AdminForm } from './admin-form.tsx'
import { DeviceSecretDialog } from './device-secret-dialog.tsx'

/** Registers a device at a site (optionally worn by a resident) and shows its secret once. */
export function DevicesAdmin () {
  const { t, tOr } = useI18n()
  const sites = useSites()
  const residents = useResidents()
  const [form, setForm] = useState({ type: 'fall_detector' as DeviceType, siteId: '', residentId: '', id: '' })
  const [invalid, setInvalid] = useState<string | null>(null)
  const [created, setCreated] = useState<CreatedDevice | null>(null)
  const mutation = useMutation(createDevice)
  const atSite = (residents.data ?? []).filter((r) => r.siteId === form.siteId)

  async function submit () {
    if (form.siteId === '') { setInvalid(t('admin.required')); return }
    setInvalid(null)
    const device = await mutation.run({
      type: form.type, siteId: form.siteId,
      ...(form.residentId !== '' ? { residentId: form.residentId } : {}),
      ...(form.id.trim() !== '' ? { id: form.id.trim() } : {})
    })
    if (device !== null) {
      setCreated(device)
      setForm({ ...form, id: '' })
    }
  }

  return (
    <div className='admin-grid'>
      <AdminForm title={t('admin.devices.create')} testId='device-form' pending={mutation.pending} invalid={invalid} error={mutation.error}
        done={created === null ? null : t('admin.created', { name: created.id })} onSubmit={() => { void submit() }}
      >
        <FormField label={t('devices.col.type')}>
          {(id) => (
            <select id={id} className='field__input' value={form.type} onChange={(e) => { setForm({ ...form, type: e.target.value as DeviceType }) }} data-testid='device-type'>
              {DEVICE_TYPES.map((d) => <option key={d} value={d}>{tOr('deviceType.', d)}</option>)}
            </select>
          )}
        </FormField>
        <FormField label={t('devices.col.site')}>
          {(id) => (
            <select id={id} className='field__input' value={form.siteId} onChange={(e) => { setForm({ ...form, siteId: e.target.value, residentId: '' }) }} data-testid='device-site'>
              <option value=''>{t('admin.choose')}</option>
              {(sites.data ?? []).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
            </select>
          )}
        </FormField>
        <FormField label={t('admin.devices.resident')}>
          {(id) => (
            <select id={id} className='field__input' value={form.residentId} onChange={(e) => { setForm({ ...form, residentId: e.target.value }) }} data-testid='device-resident'>
              <option value=''>{t('admin.devices.noResident')}</option>
              {atSite.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
            </select>
          )}
        </FormField>
        <FormField label={t('admin.devices.id')} hint={t('admin.devices.idHint')}>
          {(id) => <input id={id} className='field__input' value={form.id} onChange={(e) => { setForm({ ...form, id: e.target.value }) }} data-testid='device-id' />}
        </FormField>
      </AdminForm>
      {created !== null && <DeviceSecretDialog key={created.id} device={created} onClose={() => { setCreated(null) }} />}
    </div>
  )
}
