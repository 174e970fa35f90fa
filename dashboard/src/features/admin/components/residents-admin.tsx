import { useState } from 'react'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useVocabulary } from '../../../lib/i18n/vocabulary.ts'
import { useResidents } from '../../../lib/registry/get-residents.ts'
import { useSites } from '../../../lib/registry/get-sites.ts'
import { GROUP_CHOICES } from '../../../lib/registry/resident.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { createResident, type CreateResidentBody } from '../api/create-resident.ts'
import { parseContacts, parseList } from '../lib/admin-forms.ts'
import { AdminForm } from './admin-form.tsx'

const EMPTY = { name: '', siteId: '', birthDate: '', phone: '', capacityLevel: '', flags: [] as string[], conditions: '', contacts: '' }

/** Residents and a form to register one at a site, with conditions and emergency contacts. */
export function ResidentsAdmin () {
  const { t, tOr } = useI18n()
  const name = useVocabulary()
  const sites = useSites()
  const residents = useResidents()
  const [form, setForm] = useState(EMPTY)
  const [invalid, setInvalid] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const mutation = useMutation(createResident)

  async function submit () {
    if (form.name.trim() === '' || form.siteId === '') { setInvalid(t('admin.required')); return }
    const contacts = parseContacts(form.contacts)
    if (!contacts.ok) { setInvalid(t('admin.residents.badContact', { line: contacts.line })); return }
    setInvalid(null)
    const body: CreateResidentBody = { name: form.name.trim(), siteId: form.siteId, flags: GROUP_CHOICES.map((g) => g.key).filter((k) => form.flags.includes(k)), conditions: parseList(form.conditions), contacts: contacts.contacts }
    if (form.birthDate !== '') body.birthDate = form.birthDate
    if (form.phone.trim() !== '') body.phone = form.phone.trim()
    if (form.capacityLevel !== '') body.capacityLevel = Number(form.capacityLevel)
    const created = await mutation.run(body)
    if (created !== null) {
      setDone(t('admin.created', { name: created.name }))
      setForm({ ...EMPTY, siteId: form.siteId })
      residents.reload()
    }
  }

  const set = (patch: Partial<typeof EMPTY>) => { setForm({ ...form, ...patch }) }
  return (
    <div className='admin-grid'>
      <section aria-labelledby='residents-list-title'>
        <h2 id='residents-list-title' className='detail__section-title'>{t('residents.title')}</h2>
        <table className='data-table' data-testid='residents-admin-table'>
          <thead><tr><th scope='col'>{t('admin.name')}</th><th scope='col'>{t('resident.site')}</th><th scope='col'>{t('resident.birthDate')}</th><th scope='col'>{t('resident.groups')}</th><th scope='col'>{t('resident.status')}</th></tr></thead>
          <tbody>
            {(residents.data ?? []).map((r) => (
              <tr key={r.id} data-testid='resident-admin-row'>
                <td>{r.name}</td><td>{r.siteName ?? r.siteId}</td><td>{r.birthDate ?? '—'}</td>
                <td>{GROUP_CHOICES.filter((g) => (r.flags ?? []).includes(g.key)).map((g) => name(g)).join('、') || '—'}</td>
                <td>{r.status === undefined || r.status === 'active' ? tOr('population.status.', 'active') : t('resident.statusSince', { status: tOr('population.status.', r.status), date: (r.statusSince ?? '').slice(0, 10) })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <AdminForm title={t('admin.residents.create')} testId='resident-form' pending={mutation.pending} invalid={invalid} error={mutation.error} done={done} onSubmit={() => { void submit() }}>
        <FormField label={t('admin.name')}>{(id) => <input id={id} className='field__input' value={form.name} onChange={(e) => { set({ name: e.target.value }) }} data-testid='resident-name' />}</FormField>
        <SelectField
          label={t('resident.site')}
          value={form.siteId}
          options={(sites.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
          placeholder={{ value: '', label: t('admin.choose') }}
          onChange={(v) => { set({ siteId: v }) }}
          testId='resident-site'
        />
        <FormField label={t('resident.birthDate')}>{(id) => <input id={id} type='date' className='field__input' value={form.birthDate} onChange={(e) => { set({ birthDate: e.target.value }) }} />}</FormField>
        <FormField label={t('resident.phone')}>{(id) => <input id={id} type='tel' className='field__input' value={form.phone} onChange={(e) => { set({ phone: e.target.value }) }} />}</FormField>
        <SelectField
          label={t('admin.residents.capacity')}
          value={form.capacityLevel}
          options={[0, 1, 2, 3, 4].map((l) => ({ value: String(l), label: `${l} ${t(`capacity.${l}` as 'capacity.0')}` }))}
          placeholder={{ value: '', label: '—' }}
          onChange={(v) => { set({ capacityLevel: v }) }}
        />
        <fieldset className='fieldset' data-testid='resident-groups'>
          <legend>{t('admin.residents.groups')}</legend>
          {GROUP_CHOICES.map((g) => (
            <label key={g.key} className='checkbox'>
              <input type='checkbox' checked={form.flags.includes(g.key)} data-testid={`resident-group-${g.key}`}
                onChange={(e) => { set({ flags: e.target.checked ? [...form.flags, g.key] : form.flags.filter((f) => f !== g.key) }) }}
              />
              {name(g)}
            </label>
          ))}
          <p className='field__hint'>{t('admin.residents.disabledHint')}</p>
        </fieldset>
        <FormField label={t('resident.conditions')} hint={t('admin.residents.conditionsHint')}>
          {(id) => <input id={id} className='field__input' value={form.conditions} onChange={(e) => { set({ conditions: e.target.value }) }} />}
        </FormField>
        <FormField label={t('resident.contacts')} hint={t('admin.residents.contactsHint')}>
          {(id) => <textarea id={id} className='field__input' rows={3} value={form.contacts} onChange={(e) => { set({ contacts: e.target.value }) }} data-testid='resident-contacts-input' />}
        </FormField>
      </AdminForm>
    </div>
  )
}
