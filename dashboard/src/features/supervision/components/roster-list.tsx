import { useState } from 'react'
import { CAPACITY_LEVEL_NAMES, FAMILY_BED_TYPES, RESIDENT_GROUPS } from '@eldercare/protocols'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { AreaSummary } from '../../../lib/registry/get-areas.ts'
import { hrefFor } from '../../../lib/router.ts'
import { rosterParams, useRoster } from '../api/roster.ts'
import { AreaSelect } from './area-select.tsx'

/** This month in the browser's calendar, `YYYY-MM`. */
export function thisMonth (now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`
}

/**
 * The supervisor's question of issue 16 in one screen: "how many disabled elders live alone in
 * this street, how many have a family bed, were all of them visited this month, and who assessed
 * them when". Choose the area, the month and the groups (a resident is listed when in every one;
 * 失能 + 独居 by default); the counts come first, then each resident with the family bed, the
 * month's visit (by a method that counts) and the latest assessment, linked to the resident's
 * assessments.
 */
export function RosterList ({ areas }: { areas: readonly AreaSummary[] }) {
  const { t, tOr, locale } = useI18n()
  const [areaId, setAreaId] = useState('')
  const [month, setMonth] = useState(() => thisMonth())
  const [groups, setGroups] = useState<string[]>(['disabled', 'lives_alone'])
  const valid = /^\d{4}-\d{2}$/.test(month)
  const roster = useRoster(groups.length === 0 || !valid ? null : rosterParams(areaId === '' ? null : areaId, groups, month))
  const name = (e: { nameZh: string, nameEn: string }) => locale === 'zh-CN' ? e.nameZh : e.nameEn
  const groupName = (key: string) => { const g = RESIDENT_GROUPS.find((x) => x.key === key); return g === undefined ? key : name(g) }
  const bedName = (key: string) => { const b = FAMILY_BED_TYPES.find((x) => x.key === key); return b === undefined ? key : name(b) }
  const level = (l: number | null) => { if (l === null) return '—'; const e = CAPACITY_LEVEL_NAMES[l]; return e === undefined ? String(l) : `${l} ${name(e)}` }
  const day = (iso: string) => iso.slice(0, 10)
  const r = roster.data
  return (
    <div data-testid='roster'>
      <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault() }}>
        <AreaSelect label={t('supervision.area')} areas={areas} value={areaId} onChange={setAreaId} mine={t('reports.myArea')} testId='roster-area' />
        <label className='field'>
          <span className='field__label'>{t('supervision.roster.month')}</span>
          <input className='field__input' type='month' value={month} max={thisMonth()} onChange={(e) => { setMonth(e.target.value) }} data-testid='roster-month' />
        </label>
        <fieldset>
          <legend>{t('supervision.roster.groups')}</legend>
          {RESIDENT_GROUPS.map((g) => (
            <label key={g.key} className='checkbox'>
              <input type='checkbox' checked={groups.includes(g.key)} data-testid={`roster-group-${g.key}`}
                onChange={(e) => { setGroups(RESIDENT_GROUPS.map((x) => x.key).filter((k) => k === g.key ? e.target.checked : groups.includes(k))) }}
              /> {name(g)}
            </label>
          ))}
        </fieldset>
      </form>
      {groups.length === 0 && <p className='muted' data-testid='roster-need-group'>{t('supervision.roster.needGroup')}</p>}
      {roster.error !== null && <ErrorMessage error={describeApiError(roster.error, t)} />}
      {r === null
        ? roster.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : (
          <>
            <p data-testid='roster-summary'>
              {t('supervision.roster.summary', { area: r.area.name, date: r.date, groups: r.groups.map(groupName).join(' + '), count: r.count, beds: r.withFamilyBed, visited: r.visited, notVisited: r.count - r.visited })}
            </p>
            {r.items.length === 0
              ? <p className='muted' data-testid='roster-empty'>{t('supervision.roster.none')}</p>
              : (
                <table className='data-table' data-testid='roster-table'>
                  <thead>
                    <tr>
                      <th scope='col'>{t('supervision.due.resident')}</th>
                      <th scope='col'>{t('supervision.due.community')}</th>
                      <th scope='col'>{t('supervision.roster.status')}</th>
                      <th scope='col'>{t('supervision.due.level')}</th>
                      <th scope='col'>{t('supervision.roster.familyBed')}</th>
                      <th scope='col'>{t('supervision.roster.visit')}</th>
                      <th scope='col'>{t('supervision.roster.assessment')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.items.map((i) => (
                      <tr key={i.id} data-testid='roster-row' data-resident={i.id} data-visited={i.visited}>
                        <th scope='row'><a href={hrefFor('residents', i.id, 'assessment')}>{i.name}</a></th>
                        <td>{i.areaName}</td>
                        <td>{tOr('population.status.', i.status)}</td>
                        <td>{level(i.capacityLevel)}</td>
                        <td>{i.familyBed === null ? '—' : `${bedName(i.familyBed.type)}${i.familyBed.provider === null ? '' : ` · ${i.familyBed.provider}`}`}</td>
                        <td>{i.lastVisitAt === null ? <strong>{t('supervision.roster.notVisited')}</strong> : t('supervision.roster.visitedOn', { date: day(i.lastVisitAt) })}</td>
                        <td>{i.lastAssessment === null
                          ? t('supervision.due.never')
                          : t('supervision.roster.assessedBy', { date: day(i.lastAssessment.assessedAt), assessor: i.lastAssessment.assessorName, level: i.lastAssessment.level })}
                        </td>
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
