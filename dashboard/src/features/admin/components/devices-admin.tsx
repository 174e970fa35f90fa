import { DEVICE_TYPES, type DeviceType } from '@eldercare/protocols'
import { useState } from 'react'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
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
        <SelectField
          label={t('devices.col.type')}
          value={form.type}
          options={DEVICE_TYPES.map((d) => ({ value: d, label: tOr('deviceType.', d) }))}
          onChange={(v) => { setForm({ ...form, type: v as DeviceType }) }}
          testId='device-type'
        />
        <SelectField
          label={t('devices.col.site')}
          value={form.siteId}
          options={(sites.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          placeholder={{ value: '', label: t('admin.choose') }}
          onChange={(v) => { setForm({ ...form, siteId: v, residentId: '' }) }}
          testId='device-site'
        />
        <SelectField
          label={t('admin.devices.resident')}
          value={form.residentId}
          options={atSite.map((r) => ({ value: r.id, label: r.name }))}
          placeholder={{ value: '', label: t('admin.devices.noResident') }}
          onChange={(v) => { setForm({ ...form, residentId: v }) }}
          testId='device-resident'
        />
        <FormField label={t('admin.devices.id')} hint={t('admin.devices.idHint')}>
          {(id) => <input id={id} className='field__input' value={form.id} onChange={(e) => { setForm({ ...form, id: e.target.value }) }} data-testid='device-id' />}
        </FormField>
      </AdminForm>
      {created !== null && <DeviceSecretDialog key={created.id} device={created} onClose={() => { setCreated(null) }} />}
    </div>
  )
}
