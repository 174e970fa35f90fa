import { SelectField } from '../../../components/select-field.tsx'
import type { AreaSummary } from '../../../lib/registry/get-areas.ts'

/** The caller's area tree as an indented select; `mine`: a first option meaning "my own area" (value ''). */
export function AreaSelect ({ label, areas, value, onChange, mine, testId }: { label: string, areas: readonly AreaSummary[], value: string, onChange: (id: string) => void, mine?: string, testId: string }) {
  return (
    <SelectField label={label} value={value} options={areas.map((a) => ({ value: a.id, label: `${'　'.repeat(a.depth)}${a.name}` }))}
      placeholder={mine === undefined ? undefined : { value: '', label: mine }} onChange={onChange} testId={testId}
    />
  )
}

/** A share (0–1) as a percentage with at most one decimal (targets are stored as REAL); null as a dash. */
export function percent (share: number | null): string {
  return share === null ? '—' : `${Math.round(share * 1000) / 10}%`
}
