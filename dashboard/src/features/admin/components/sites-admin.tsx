import { SITE_KINDS, type SiteKind } from '@eldercare/protocols'
import { useState } from 'react'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useSites } from '../../../lib/registry/get-sites.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { createSite } from '../api/create-site.ts'
import { AdminForm } from './admin-form.tsx'

/** Sites (homes and institutions) and a form to add one to a community. */
export function SitesAdmin () {
  const { t, tOr } = useI18n()
  const areas = useAreas()
  const sites = useSites()
  const [form, setForm] = useState({ name: '', kind: 'home' as SiteKind, areaId: '', address: '' })
  const [invalid, setInvalid] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const mutation = useMutation(createSite)
  const communities = (areas.data ?? []).filter((a) => a.level === 'community')
  const areaNames = new Map((areas.data ?? []).map((a) => [a.id, a.name]))

  async function submit () {
    if (form.name.trim() === '' || form.areaId === '') { setInvalid(t('admin.required')); return }
    setInvalid(null)
    const address = form.address.trim()
    const created = await mutation.run({ name: form.name.trim(), kind: form.kind, areaId: form.areaId, ...(address !== '' ? { address } : {}) })
    if (created !== null) {
      setDone(t('admin.created', { name: created.name }))
      setForm({ ...form, name: '', address: '' })
      sites.reload()
    }
  }

  return (
    <div className='admin-grid'>
      <section aria-labelledby='sites-list-title'>
        <h2 id='sites-list-title' className='detail__section-title'>{t('admin.sites.list')}</h2>
        <table className='data-table' data-testid='sites-table'>
          <thead><tr><th scope='col'>{t('admin.name')}</th><th scope='col'>{t('admin.sites.kind')}</th><th scope='col'>{t('admin.sites.area')}</th><th scope='col'>{t('admin.sites.address')}</th></tr></thead>
          <tbody>
            {(sites.data ?? []).map((s) => (
              <tr key={s.id}><td>{s.name}</td><td>{tOr('siteKind.', s.kind)}</td><td>{areaNames.get(s.areaId) ?? s.areaId}</td><td>{s.address ?? '—'}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
      <AdminForm title={t('admin.sites.create')} testId='site-form' pending={mutation.pending} invalid={invalid} error={mutation.error} done={done} onSubmit={() => { void submit() }}>
        <FormField label={t('admin.name')}>
          {(id) => <input id={id} className='field__input' value={form.name} onChange={(e) => { setForm({ ...form, name: e.target.value }) }} data-testid='site-name' />}
        </FormField>
        <SelectField
          label={t('admin.sites.kind')}
          value={form.kind}
          options={SITE_KINDS.map((k) => ({ value: k, label: tOr('siteKind.', k) }))}
          onChange={(v) => { setForm({ ...form, kind: v as SiteKind }) }}
        />
        <SelectField
          label={t('admin.sites.community')}
          value={form.areaId}
          options={communities.map((a) => ({ value: a.id, label: a.name }))}
          placeholder={{ value: '', label: t('admin.choose') }}
          onChange={(v) => { setForm({ ...form, areaId: v }) }}
          testId='site-area'
        />
        <FormField label={t('admin.sites.address')}>
          {(id) => <input id={id} className='field__input' value={form.address} onChange={(e) => { setForm({ ...form, address: e.target.value }) }} />}
        </FormField>
      </AdminForm>
    </div>
  )
}
