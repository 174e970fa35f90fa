import { Fragment, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { AreaSummary } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { putTargets, useTargetsTree, type Targets, type TargetsTreeRow, type TargetValues } from '../api/targets.ts'
import { AreaSelect, percent } from './area-select.tsx'

const SHARES = ['visitCoverage', 'assessmentCoverage', 'ackWithin60s'] as const
type Share = (typeof SHARES)[number]

/** The form's text per field: beds as a count, shares in percent; '' = no target. */
type Draft = Record<'familyBeds' | Share, string>

function draftOf (t: Targets): Draft {
  const pct = (v: number | null) => v === null ? '' : String(Math.round(v * 1000) / 10)
  return { familyBeds: t.familyBeds === null ? '' : String(t.familyBeds), visitCoverage: pct(t.visitCoverage), assessmentCoverage: pct(t.assessmentCoverage), ackWithin60s: pct(t.ackWithin60s) }
}

/** The years a target is usually set for: three back (to read what was set) and two ahead (to plan). */
export function yearsAround (year: number): number[] {
  return [year - 3, year - 2, year - 1, year, year + 1, year + 2]
}

/** The draft as the API's body, or the fields that are not numbers in range. */
export function targetValues (d: Draft): { values: TargetValues } | { bad: Array<keyof Draft> } {
  const bad: Array<keyof Draft> = []
  const beds = d.familyBeds.trim()
  const familyBeds = beds === '' ? null : Number(beds)
  if (familyBeds !== null && (!Number.isInteger(familyBeds) || familyBeds < 0)) bad.push('familyBeds')
  const shares = {} as Record<Share, number | null>
  for (const k of SHARES) {
    const v = d[k].trim()
    const n = v === '' ? null : Number(v)
    if (n !== null && (!Number.isFinite(n) || n < 0 || n > 100)) bad.push(k)
    shares[k] = n === null ? null : Math.round(n * 10) / 1000
  }
  return bad.length > 0 ? { bad } : { values: { familyBeds, ...shares } }
}

/**
 * Targets per area and year (issue 16): the chosen area and its whole subtree as an indented tree
 * table (one request, `GET /api/targets?depth=subtree`), so a district sees its streets and their
 * communities at once; administrators (`target.write`) edit a row — the platform writes
 * `area.targets` to the audit log. The actual against each target is on the reports screen and in
 * the statements.
 */
export function TargetsEditor ({ areas, canEdit }: { areas: readonly AreaSummary[], canEdit: boolean }) {
  const { t, tOr } = useI18n()
  const [areaId, setAreaId] = useState(areas[0]?.id ?? '')
  const [year, setYear] = useState(() => new Date().getFullYear())
  const [editing, setEditing] = useState<string | null>(null)
  const tree = useTargetsTree(areaId === '' ? null : areaId, year)
  return (
    <div data-testid='targets-editor'>
      <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault() }}>
        <AreaSelect label={t('supervision.area')} areas={areas} value={areaId} onChange={(id) => { setAreaId(id); setEditing(null) }} testId='targets-area' />
        <SelectField label={t('supervision.year')} value={String(year)} options={yearsAround(new Date().getFullYear()).map((y) => ({ value: String(y), label: String(y) }))}
          onChange={(v) => { setYear(Number(v)); setEditing(null) }} testId='targets-year'
        />
      </form>
      <p className='muted'>{canEdit ? t('supervision.targets.auditNote') : t('supervision.targets.readOnly')}</p>
      {tree.error !== null && <ErrorMessage error={describeApiError(tree.error, t)} />}
      {tree.data === null
        ? tree.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : (
          <table className='data-table' data-testid='targets-table'>
            <thead>
              <tr>
                <th scope='col'>{t('supervision.area')}</th>
                <th scope='col'>{t('supervision.targets.familyBeds')}</th>
                <th scope='col'>{t('supervision.targets.visitCoverage')}</th>
                <th scope='col'>{t('supervision.targets.assessmentCoverage')}</th>
                <th scope='col'>{t('supervision.targets.ackWithin60s')}</th>
                {canEdit && <th scope='col'><span className='visually-hidden'>{t('supervision.actions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {tree.data.items.map((row) => editing === row.areaId
                ? <TargetsRowEditor key={row.areaId} row={row} onCancel={() => { setEditing(null) }} onSaved={() => { setEditing(null); tree.reload() }} />
                : (
                  <tr key={row.areaId} data-testid='targets-row' data-area={row.areaId} data-depth={row.depth}>
                    <AreaCell row={row} levelName={tOr('areaLevel.', row.level)} />
                    <td>{row.targets.familyBeds ?? t('supervision.targets.unset')}</td>
                    {SHARES.map((k) => <td key={k}>{row.targets[k] === null ? t('supervision.targets.unset') : percent(row.targets[k])}</td>)}
                    {canEdit && <td><button type='button' className='link-button' onClick={() => { setEditing(row.areaId) }} data-testid='targets-edit'>{t('supervision.edit')}</button></td>}
                  </tr>
                  ))}
            </tbody>
          </table>
          )}
    </div>
  )
}

/** The area's name indented by its depth below the chosen area; the level is said for screen readers. */
function AreaCell ({ row, levelName }: { row: TargetsTreeRow, levelName: string }) {
  return (
    <th scope='row' style={{ paddingInlineStart: `${0.5 + row.depth * 1.5}em` }}>
      {row.depth > 0 && <span aria-hidden='true' className='muted'>└ </span>}
      {row.name}<span className='visually-hidden'> ({levelName})</span>
    </th>
  )
}

function TargetsRowEditor ({ row, onCancel, onSaved }: { row: TargetsTreeRow, onCancel: () => void, onSaved: () => void }) {
  const { t, tOr } = useI18n()
  const { areaId, name, targets } = row
  const [draft, setDraft] = useState<Draft>(() => draftOf(targets))
  const [bad, setBad] = useState<Array<keyof Draft>>([])
  const save = useMutation(putTargets)
  const field = (k: keyof Draft, label: string) => (
    <td>
      <input className='field__input' inputMode='decimal' aria-label={`${name} ${label}`} aria-invalid={bad.includes(k) || undefined} value={draft[k]}
        onChange={(e) => { setDraft({ ...draft, [k]: e.target.value }) }} data-testid={`targets-input-${k}`}
      />
    </td>
  )
  async function submit () {
    const v = targetValues(draft)
    if ('bad' in v) { setBad(v.bad); return }
    setBad([])
    if (await save.run(areaId, targets.year, v.values) !== null) onSaved()
  }
  return (
    <tr data-testid='targets-row-editor' data-area={areaId} data-depth={row.depth}>
      <AreaCell row={row} levelName={tOr('areaLevel.', row.level)} />
      {field('familyBeds', t('supervision.targets.familyBeds'))}
      {SHARES.map((k) => <Fragment key={k}>{field(k, `${t(`supervision.targets.${k}`)} %`)}</Fragment>)}
      <td>
        <button type='button' className='button' disabled={save.pending} onClick={() => { void submit() }} data-testid='targets-save'>{t('supervision.save')}</button>
        {' '}<button type='button' className='link-button' onClick={onCancel}>{t('supervision.cancel')}</button>
        {bad.length > 0 && <ErrorMessage error={t('supervision.targets.invalid')} testId='targets-invalid' />}
        <ErrorMessage error={save.error === null ? null : describeApiError(save.error, t)} />
      </td>
    </tr>
  )
}

