import { AREA_LEVELS, type AreaLevel } from '@eldercare/protocols'
import { useState } from 'react'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { createArea } from '../api/create-area.ts'
import { areaTree, childLevel, type AreaNode } from '../lib/admin-forms.ts'
import { AdminForm } from './admin-form.tsx'

/** The area tree (city → district → street → community) and a form to add a node under a parent. */
export function AreasAdmin () {
  const { t, tOr } = useI18n()
  const areas = useAreas()
  const [name, setName] = useState('')
  const [parentId, setParentId] = useState('')
  const [invalid, setInvalid] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const mutation = useMutation(createArea)
  const parent = areas.data?.find((a) => a.id === parentId)
  const level: AreaLevel | null = parent === undefined ? 'city' : childLevel(parent.level)
  const parents = (areas.data ?? []).filter((a) => childLevel(a.level) !== null)

  async function submit () {
    if (name.trim() === '' || level === null) { setInvalid(t('admin.required')); return }
    setInvalid(null)
    const created = await mutation.run({ name: name.trim(), level, ...(parent !== undefined ? { parentId: parent.id } : {}) })
    if (created !== null) {
      setDone(t('admin.created', { name: created.name }))
      setName('')
      areas.reload()
    }
  }

  return (
    <div className='admin-grid'>
      <section aria-labelledby='areas-tree-title'>
        <h2 id='areas-tree-title' className='detail__section-title'>{t('admin.areas.tree')}</h2>
        {areas.data !== null && <AreaTree nodes={areaTree(areas.data)} root />}
      </section>
      <AdminForm title={t('admin.areas.create')} testId='area-form' pending={mutation.pending} invalid={invalid} error={mutation.error} done={done} onSubmit={() => { void submit() }}>
        <SelectField
          label={t('admin.areas.parent')}
          value={parentId}
          options={parents.map((a) => ({ value: a.id, label: `${'　'.repeat(a.depth)}${a.name}（${tOr('areaLevel.', a.level)}）` }))}
          placeholder={{ value: '', label: t('admin.areas.noParent') }}
          onChange={(v) => { setParentId(v) }}
          testId='area-parent'
        />
        <p className='muted'>{t('admin.areas.level', { level: level === null ? '—' : tOr('areaLevel.', level) })}</p>
        <FormField label={t('admin.name')}>
          {(id) => <input id={id} className='field__input' value={name} onChange={(e) => { setName(e.target.value) }} data-testid='area-name' />}
        </FormField>
      </AdminForm>
    </div>
  )
}

function AreaTree ({ nodes, root = false }: { nodes: AreaNode[], root?: boolean }) {
  const { tOr } = useI18n()
  if (nodes.length === 0) return null
  return (
    <ul className='area-tree' data-testid={root ? 'area-tree' : undefined}>
      {nodes.map((n) => (
        <li key={n.id} data-area-id={n.id}>
          <span className={`area-tree__level area-tree__level--${AREA_LEVELS.includes(n.level as AreaLevel) ? n.level : 'other'}`}>{tOr('areaLevel.', n.level)}</span>
          {n.name}
          <AreaTree nodes={n.children} />
        </li>
      ))}
    </ul>
  )
}
