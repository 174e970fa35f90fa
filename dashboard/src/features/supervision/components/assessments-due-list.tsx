import { useMemo, useState } from 'react'
import { CAPACITY_LEVEL_NAMES } from '@eldercare/protocols'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { AreaSummary } from '../../../lib/registry/get-areas.ts'
import { hrefFor } from '../../../lib/router.ts'
import { dueParams, useAssessmentsDue, type AssessmentDue } from '../api/assessments-due.ts'
import { AreaSelect } from './area-select.tsx'

const WINDOWS = [30, 60, 90] as const
export const DUE_SORT_KEYS = ['dueAt', 'name', 'area', 'level', 'lastAssessedAt'] as const
export type DueSortKey = (typeof DUE_SORT_KEYS)[number]

/**
 * The rows in the order asked for. Never assessed (no date) comes first when ascending, as the
 * most overdue; ties keep the name order so the list does not jump between reloads.
 */
export function sortDue (items: readonly AssessmentDue[], key: DueSortKey, ascending: boolean, areaName: (id: string) => string): AssessmentDue[] {
  const value = (i: AssessmentDue): string | number => {
    switch (key) {
      case 'dueAt': return i.dueAt ?? ''
      case 'lastAssessedAt': return i.lastAssessedAt ?? ''
      case 'name': return i.name
      case 'area': return areaName(i.areaId)
      case 'level': return i.level ?? -1
    }
  }
  const byName = (a: AssessmentDue, b: AssessmentDue) => a.name.localeCompare(b.name, 'zh-CN')
  return [...items].sort((a, b) => {
    const x = value(a)
    const y = value(b)
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN')
    return (ascending ? c : -c) || byName(a, b)
  })
}

/**
 * Residents of the chosen area whose GB/T 42195-2022 reassessment is overdue (never assessed
 * included) or due within the window (issue 16), sortable by any column; each links to the
 * resident's assessment section (`#/residents/<id>/assessment`), with the form open for assessors.
 */
export function AssessmentsDueList ({ areas }: { areas: readonly AreaSummary[] }) {
  const { t, locale } = useI18n()
  const [areaId, setAreaId] = useState('')
  const [within, setWithin] = useState<number>(30)
  const [sort, setSort] = useState<{ key: DueSortKey, ascending: boolean }>({ key: 'dueAt', ascending: true })
  const due = useAssessmentsDue(dueParams(areaId === '' ? null : areaId, within))
  const nameOf = (id: string) => areas.find((a) => a.id === id)?.name ?? id
  const items = due.data?.items
  const rows = useMemo(() => items === undefined ? [] : sortDue(items, sort.key, sort.ascending, (id) => areas.find((a) => a.id === id)?.name ?? id), [items, sort, areas])
  const overdue = rows.filter((r) => r.overdue).length
  // Why a change of condition made the resident due now: the marker's own words, else the rule in the console's language.
  const changeWhy = (c: NonNullable<AssessmentDue['conditionChange']>) => c.kind === 'marked'
    ? c.reason
    : t(c.kind === 'back_from_hospital' ? 'supervision.due.backFromHospital' : 'supervision.due.repeatedEvents', { date: c.at.slice(0, 10) })
  // Calendar days as the resident's assessment list shows them.
  const date = (iso: string | null) => iso === null ? '—' : iso.slice(0, 10)
  const level = (l: number | null) => { if (l === null) return '—'; const e = CAPACITY_LEVEL_NAMES[l]; return e === undefined ? String(l) : `${l} ${locale === 'zh-CN' ? e.nameZh : e.nameEn}` }
  const header = (key: DueSortKey, label: string) => {
    const active = sort.key === key
    return (
      <th scope='col' aria-sort={active ? (sort.ascending ? 'ascending' : 'descending') : 'none'}>
        <button type='button' className='link-button' data-testid={`due-sort-${key}`}
          onClick={() => { setSort({ key, ascending: active ? !sort.ascending : true }) }}
        >
          {label}{active && (sort.ascending ? ' ▲' : ' ▼')}
        </button>
      </th>
    )
  }
  return (
    <div data-testid='assessments-due'>
      <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault() }}>
        <AreaSelect label={t('supervision.area')} areas={areas} value={areaId} onChange={setAreaId} mine={t('reports.myArea')} testId='due-area' />
        <SelectField label={t('supervision.due.window')} value={String(within)} options={WINDOWS.map((d) => ({ value: String(d), label: t('supervision.due.withinDays', { days: d }) }))}
          onChange={(v) => { setWithin(Number(v)) }} testId='due-window'
        />
      </form>
      {due.error !== null && <ErrorMessage error={describeApiError(due.error, t)} />}
      {due.data === null
        ? due.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : (
          <>
            <p data-testid='due-summary'>{t('supervision.due.summary', { area: due.data.area.name, overdue, due: rows.length - overdue })}</p>
            {rows.length === 0
              ? <p className='muted' data-testid='due-empty'>{t('supervision.due.none')}</p>
              : (
                <table className='data-table' data-testid='due-table'>
                  <thead>
                    <tr>
                      {header('name', t('supervision.due.resident'))}
                      {header('area', t('supervision.due.community'))}
                      {header('lastAssessedAt', t('supervision.due.last'))}
                      {header('level', t('supervision.due.level'))}
                      {header('dueAt', t('supervision.due.dueAt'))}
                      <th scope='col'>{t('supervision.due.state')}</th>
                      <th scope='col'><span className='visually-hidden'>{t('supervision.actions')}</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.residentId} data-testid='due-row' data-resident={r.residentId} data-overdue={r.overdue}>
                        <th scope='row'>{r.name}</th>
                        <td>{nameOf(r.areaId)}</td>
                        <td>{date(r.lastAssessedAt)}</td>
                        <td>{level(r.level)}</td>
                        <td>{date(r.dueAt)}</td>
                        <td>
                          {r.dueAt === null ? t('supervision.due.never') : r.overdue ? t('supervision.due.overdue') : r.conditionChange !== null ? t('supervision.due.dueNow') : t('supervision.due.dueSoon')}
                          {r.conditionChange !== null && <span className='muted' data-testid='due-change'> · {t('supervision.due.conditionChanged', { why: changeWhy(r.conditionChange) })}</span>}
                        </td>
                        <td><a href={hrefFor('residents', r.residentId, 'assessment')} data-testid='due-open'>{t('supervision.due.open')}</a></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                )}
          </>
          )}
    </div>
  )
}
