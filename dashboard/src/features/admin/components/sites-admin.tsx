import { FACILITY_KINDS, FAMILY_BED_TYPES, SITE_KINDS, type FamilyBedDto, type SiteKind } from '@eldercare/protocols'
import { useState } from 'react'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useVocabulary } from '../../../lib/i18n/vocabulary.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useSites } from '../../../lib/registry/get-sites.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { createSite, type CreateSiteBody } from '../api/create-site.ts'
import { updateSiteFamilyBed } from '../api/update-site.ts'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { AdminForm } from './admin-form.tsx'

const EMPTY = { name: '', kind: 'home' as SiteKind, areaId: '', address: '', familyBed: false, bedType: 'nursing' as FamilyBedDto['type'], bedProvider: '', bedSince: '' }
type SiteForm = typeof EMPTY

/** The request the form makes, or the first problem: a family care bed needs its type, provider and start date. */
export function siteBody (form: SiteForm): { body: CreateSiteBody } | { problem: 'required' | 'bed' } {
  if (form.name.trim() === '' || form.areaId === '') return { problem: 'required' }
  const address = form.address.trim()
  const body: CreateSiteBody = { name: form.name.trim(), kind: form.kind, areaId: form.areaId, ...(address !== '' ? { address } : {}) }
  // only a home can be a family care bed (家庭养老床位); the platform refuses it elsewhere
  if (form.kind === 'home' && form.familyBed) {
    const bed = bedOf(form)
    if (bed === null) return { problem: 'bed' }
    body.familyBed = bed
  }
  return { body }
}

interface BedForm { bedType: FamilyBedDto['type'], bedProvider: string, bedSince: string }

/** The family care bed's fields (type, provider, start date), in the create form and a home's row. */
function FamilyBedFields ({ value, onChange, idPrefix }: { value: BedForm, onChange: (patch: Partial<BedForm>) => void, idPrefix: string }) {
  const { t } = useI18n()
  const name = useVocabulary()
  return (
    <>
      <SelectField
        label={t('admin.sites.bedType')} value={value.bedType}
        options={FAMILY_BED_TYPES.map((b) => ({ value: b.key, label: name(b) }))}
        onChange={(v) => { onChange({ bedType: v as FamilyBedDto['type'] }) }} testId={`${idPrefix}-bed-type`}
      />
      <FormField label={t('admin.sites.bedProvider')}>
        {(id) => <input id={id} className='field__input' maxLength={100} value={value.bedProvider} onChange={(e) => { onChange({ bedProvider: e.target.value }) }} data-testid={`${idPrefix}-bed-provider`} />}
      </FormField>
      <FormField label={t('admin.sites.bedSince')}>
        {(id) => <input id={id} type='date' className='field__input' value={value.bedSince} onChange={(e) => { onChange({ bedSince: e.target.value }) }} data-testid={`${idPrefix}-bed-since`} />}
      </FormField>
    </>
  )
}

/** The bed the fields describe, or null when one is missing. */
function bedOf (f: BedForm): FamilyBedDto | null {
  if (f.bedProvider.trim() === '' || !/^\d{4}-\d{2}-\d{2}$/.test(f.bedSince)) return null
  return { type: f.bedType, provider: f.bedProvider.trim(), since: f.bedSince }
}

/**
 * Sites — homes (registered as family care beds or not), institutions and the community
 * facilities of the plans (日间照料中心, 社区养老服务站, 幸福院, 老年助餐点) — and a form to add
 * one to a community, a home with its family-bed registration (issue 16).
 */
export function SitesAdmin () {
  const { t } = useI18n()
  const name = useVocabulary()
  const areas = useAreas()
  const sites = useSites()
  const [form, setForm] = useState(EMPTY)
  const [invalid, setInvalid] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const mutation = useMutation(createSite)
  const bedEdit = useMutation(updateSiteFamilyBed)
  const [editing, setEditing] = useState<{ siteId: string } & BedForm | null>(null)
  const [bedInvalid, setBedInvalid] = useState(false)
  const communities = (areas.data ?? []).filter((a) => a.level === 'community')
  const areaNames = new Map((areas.data ?? []).map((a) => [a.id, a.name]))
  const kindName = (k: string) => { const f = FACILITY_KINDS.find((x) => x.key === k); return f ? name(f) : k }
  const bedName = (k: string) => { const b = FAMILY_BED_TYPES.find((x) => x.key === k); return b ? name(b) : k }
  const set = (patch: Partial<SiteForm>) => { setForm({ ...form, ...patch }) }

  async function submit () {
    const checked = siteBody(form)
    if ('problem' in checked) { setInvalid(t(checked.problem === 'bed' ? 'admin.sites.bedMissing' : 'admin.required')); return }
    setInvalid(null)
    const created = await mutation.run(checked.body)
    if (created !== null) {
      setDone(t('admin.created', { name: created.name }))
      setForm({ ...EMPTY, kind: form.kind, areaId: form.areaId })
      sites.reload()
    }
  }

  async function saveBed (bed: FamilyBedDto | null) {
    if (editing === null) return
    if (await bedEdit.run(editing.siteId, bed) !== null) { setEditing(null); setDone(t('admin.sites.bedSaved')); sites.reload() }
  }

  return (
    <div className='admin-grid'>
      <section aria-labelledby='sites-list-title'>
        <h2 id='sites-list-title' className='detail__section-title'>{t('admin.sites.list')}</h2>
        <table className='data-table' data-testid='sites-table'>
          <thead><tr><th scope='col'>{t('admin.name')}</th><th scope='col'>{t('admin.sites.kind')}</th><th scope='col'>{t('admin.sites.familyBed')}</th><th scope='col'>{t('admin.sites.area')}</th><th scope='col'>{t('admin.sites.address')}</th><th scope='col'><span className='visually-hidden'>{t('admin.sites.familyBed')}</span></th></tr></thead>
          <tbody>
            {(sites.data ?? []).map((s) => (
              <tr key={s.id} data-testid='site-row'>
                <td>{s.name}</td>
                <td>{kindName(s.kind)}</td>
                <td>{s.familyBed == null ? '—' : t('admin.sites.bedSummary', { type: bedName(s.familyBed.type), provider: s.familyBed.provider, since: s.familyBed.since })}</td>
                <td>{areaNames.get(s.areaId) ?? s.areaId}</td>
                <td>{s.address ?? '—'}</td>
                <td>
                  {s.kind === 'home' && (
                    <button type='button' className='button' data-testid='site-bed-edit'
                      onClick={() => { setBedInvalid(false); setEditing({ siteId: s.id, bedType: s.familyBed?.type ?? 'nursing', bedProvider: s.familyBed?.provider ?? '', bedSince: s.familyBed?.since ?? '' }) }}
                    >
                      {s.familyBed == null ? t('admin.sites.bedRegister') : t('admin.sites.bedChange')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {editing !== null && (
          <form className='action-form' data-testid='site-bed-form' onSubmit={(e) => { e.preventDefault(); const bed = bedOf(editing); setBedInvalid(bed === null); if (bed !== null) void saveBed(bed) }}>
            <h3 className='action-form__title'>{t('admin.sites.familyBed')} · {(sites.data ?? []).find((x) => x.id === editing.siteId)?.name}</h3>
            <FamilyBedFields value={editing} onChange={(patch) => { setEditing({ ...editing, ...patch }) }} idPrefix='site-edit' />
            <ErrorMessage error={bedInvalid ? t('admin.sites.bedMissing') : bedEdit.error !== null ? describeApiError(bedEdit.error, t) : null} />
            <div className='inline-row'>
              <button type='submit' className='button button--primary' disabled={bedEdit.pending} data-testid='site-bed-save'>{t('admin.sites.bedSave')}</button>
              {(sites.data ?? []).find((x) => x.id === editing.siteId)?.familyBed != null && (
                <button type='button' className='button' disabled={bedEdit.pending} onClick={() => { void saveBed(null) }} data-testid='site-bed-end'>{t('admin.sites.bedEnd')}</button>
              )}
              <button type='button' className='button' onClick={() => { setEditing(null) }}>{t('visits.cancel')}</button>
            </div>
          </form>
        )}
      </section>
      <AdminForm title={t('admin.sites.create')} testId='site-form' pending={mutation.pending} invalid={invalid} error={mutation.error} done={done} onSubmit={() => { void submit() }}>
        <FormField label={t('admin.name')}>
          {(id) => <input id={id} className='field__input' value={form.name} onChange={(e) => { set({ name: e.target.value }) }} data-testid='site-name' />}
        </FormField>
        <SelectField
          label={t('admin.sites.kind')}
          value={form.kind}
          options={SITE_KINDS.map((k) => ({ value: k, label: kindName(k) }))}
          onChange={(v) => { set({ kind: v as SiteKind }) }}
          testId='site-kind'
        />
        <SelectField
          label={t('admin.sites.community')}
          value={form.areaId}
          options={communities.map((a) => ({ value: a.id, label: a.name }))}
          placeholder={{ value: '', label: t('admin.choose') }}
          onChange={(v) => { set({ areaId: v }) }}
          testId='site-area'
        />
        <FormField label={t('admin.sites.address')}>
          {(id) => <input id={id} className='field__input' value={form.address} onChange={(e) => { set({ address: e.target.value }) }} />}
        </FormField>
        {form.kind === 'home' && (
          <fieldset className='fieldset' data-testid='site-family-bed'>
            <legend>{t('admin.sites.familyBed')}</legend>
            <label className='checkbox'><input type='checkbox' checked={form.familyBed} onChange={(e) => { set({ familyBed: e.target.checked }) }} data-testid='site-family-bed-on' />{t('admin.sites.familyBedRegister')}</label>
            {form.familyBed && <FamilyBedFields value={form} onChange={set} idPrefix='site' />}
          </fieldset>
        )}
      </AdminForm>
    </div>
  )
}
