/**
 * Supervision figures (issue 16): the population report of an area subtree on a date, monthly
 * visit coverage, the monthly statement built from both (kept once generated), its CSV and its
 * printable form. Queries are in repository.ts, counting rules in @eldercare/protocols.
 */
import {
  AGE_BANDS, CAPACITY_LEVEL_NAMES, FACILITY_KINDS, FAMILY_BED_TYPES, RESIDENT_GROUPS, RESIDENT_STATUSES,
  addCoverage, addPopulationCounts, monthBounds, populationCounts, quarterOf, residentGroups, statusOn, visitCoverage, visitedInMonth,
  type CoverageResult, type PopulationCounts, type ResidentGroup, type ResidentStatus, type VisitRecord
} from '@eldercare/protocols'
import { inTurns } from '@eldercare/common'
import type { Queryable } from '../../db/db.ts'
import { localDate, localMidnight } from '../../lib/local-time.ts'
import {
  ackWithin60s, assessmentFigures, doneVisits, facilityFigures, getTargets, rosterFacts, supervisedResidents, visitRulesFor,
  type AssessmentFigures, type FacilityFigures, type RosterFacts, type Targets
} from './repository.ts'
import type { StatementChart, StatementSection } from './pdf.ts'

export interface AreaRef { id: string, name: string, path: string }

export interface PopulationReport extends PopulationCounts, FacilityFigures {
  area: { id: string, name: string }
  assessments: AssessmentFigures & { coverage: number | null }
  targets: Targets | null
}

const ymd = (date: string): [number, number, number] => [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))]
/** Local midnight starting calendar day `date` (YYYY-MM-DD) in the service's time zone. */
const dayStart = (date: string, timeZone: string): Date => localMidnight(...ymd(date), timeZone)
/** The last millisecond of calendar day `date` in the service's time zone. */
function endOfDay (date: string, timeZone: string): Date {
  const [y, m, d] = ymd(date)
  return new Date(localMidnight(y, m, d + 1, timeZone).getTime() - 1)
}

export async function populationReport (q: Queryable, area: AreaRef, date: string, timeZone: string): Promise<PopulationReport> {
  const asOf = endOfDay(date, timeZone)
  const residents = await supervisedResidents(q, area.path, asOf)
  const rules = await visitRulesFor(q, area.path)
  // counted a page of residents per turn of the event loop (a city's 10,000 in one go: 8–22 ms)
  const counts = await inTurns(residents, (page) => populationCounts(date, page, rules.disabledFromLevel), addPopulationCounts)
  const currentIds = residents.filter(r => {
    const h = [...r.statusHistory].filter(x => x.since.slice(0, 10) <= date).pop()
    return h && (h.status === 'active' || h.status === 'in_hospital')
  }).map(r => r.id)
  const facilities = await facilityFigures(q, area.path, date, counts.current)
  const assessments = await assessmentFigures(q, currentIds, asOf)
  return {
    area: { id: area.id, name: area.name },
    ...counts,
    ...facilities,
    assessments: { ...assessments, coverage: currentIds.length === 0 ? null : assessments.assessedCurrent / currentIds.length },
    targets: await getTargets(q, area.id, Number(date.slice(0, 4)))
  }
}

export async function monthCoverage (q: Queryable, area: AreaRef, month: string, timeZone: string): Promise<CoverageResult & { rules: { eligibleGroups: string[], countingMethods: string[], homeVisitEachQuarter: boolean } }> {
  const { last } = monthBounds(month)
  // from the quarter's first day: the quarterly home-visit rule looks back over it
  const from = dayStart(quarterOf(month).first, timeZone)
  const to = new Date(endOfDay(last, timeZone).getTime() + 1)
  const residents = await supervisedResidents(q, area.path, to)
  const visits = await doneVisits(q, residents.map(r => r.id), from, to)
  const rules = await visitRulesFor(q, area.path)
  // visitedAt is compared by calendar day: the service's day, not UTC's. A city's month is tens
  // of thousands of visits: the day is looked up once per quarter hour (every zone's offset is a
  // multiple of 15 minutes, so all instants of a quarter hour share their day), not per visit.
  const days = new Map<number, string>()
  const dayOf = (t: number) => {
    const q = Math.floor(t / 900_000)
    let d = days.get(q)
    if (d === undefined) { d = localDate(q * 900_000, timeZone); days.set(q, d) }
    return d
  }
  const byResident = new Map<string, VisitRecord[]>()
  for (const v of visits) {
    const local = { ...v, visitedAt: dayOf(new Date(v.visitedAt).getTime()) }
    const list = byResident.get(v.residentId)
    if (list) list.push(local)
    else byResident.set(v.residentId, [local])
  }
  // counted a page of residents (with their visits) per turn of the event loop, as the population
  const result = await inTurns(residents, (page) => visitCoverage(month, page, page.flatMap(r => byResident.get(r.id) ?? []), rules), addCoverage)
  return { ...result, rules: { eligibleGroups: rules.eligibleGroups, countingMethods: rules.countingMethods, homeVisitEachQuarter: rules.homeVisitEachQuarter } }
}

export interface RosterItem extends RosterFacts {
  groups: ResidentGroup[]
  capacityLevel: number | null
  status: ResidentStatus
  /** visited in the month by a method that counts, while at home */
  visited: boolean
  lastVisitAt: string | null
}

export interface Roster {
  area: { id: string, name: string }
  month: string
  /** the day the status, groups and family beds are taken on: the month's last day, or today within the current month */
  date: string
  groups: ResidentGroup[]
  rules: { countingMethods: string[], disabledFromLevel: number, homeVisitEachQuarter: boolean, fromAreaId: string | null }
  count: number
  withFamilyBed: number
  visited: number
  items: RosterItem[]
}

/**
 * The supervisor's question in one answer (issue 16): the residents of a subtree who are, on the
 * date, in **every** group asked for (失能 from the capacity level as of that date and the area's
 * threshold) and at home or in hospital; for each, the family care bed, whether a visit that counts
 * was made in the month, and who assessed them last and when. "How many disabled elders live alone
 * in this street, how many have a family bed, were all of them visited this month, who assessed
 * them when" is `groups=disabled,lives_alone`.
 */
export async function roster (q: Queryable, area: AreaRef, groups: ResidentGroup[], month: string, today: string, timeZone: string): Promise<Roster> {
  const { last } = monthBounds(month)
  const date = last < today ? last : today
  const asOf = endOfDay(date, timeZone)
  const residents = await supervisedResidents(q, area.path, asOf)
  const rules = await visitRulesFor(q, area.path)
  const visits = await doneVisits(q, residents.map(r => r.id), dayStart(quarterOf(month).first, timeZone), new Date(endOfDay(last, timeZone).getTime() + 1))
  const chosen = new Map<string, { groups: ResidentGroup[], capacityLevel: number | null, status: ResidentStatus, history: typeof residents[number]['statusHistory'] }>()
  for (const r of residents) {
    const status = statusOn(r.statusHistory, date)
    if (status !== 'active' && status !== 'in_hospital') continue
    const gs = residentGroups(r, rules.disabledFromLevel)
    if (groups.every(g => gs.includes(g))) chosen.set(r.id, { groups: gs, capacityLevel: r.capacityLevel, status, history: r.statusHistory })
  }
  // as coverage counts it (a counting method while at home; the quarterly home visit where required),
  // by the service's calendar day; the time answered is the visit's own
  const local = visits.map(v => ({ ...v, day: localDate(new Date(v.visitedAt).getTime(), timeZone) }))
  const lastVisit = visitedInMonth(month, [...chosen].map(([id, c]) => ({ id, statusHistory: c.history })), local, rules)
  const facts = await rosterFacts(q, [...chosen.keys()], date, asOf)
  const items = facts.map((f): RosterItem => {
    const c = chosen.get(f.id)!
    return { ...f, groups: c.groups, capacityLevel: c.capacityLevel, status: c.status, visited: lastVisit.has(f.id), lastVisitAt: lastVisit.get(f.id) ?? null }
  })
  return {
    area: { id: area.id, name: area.name },
    month,
    date,
    groups,
    rules: { countingMethods: rules.countingMethods, disabledFromLevel: rules.disabledFromLevel, homeVisitEachQuarter: rules.homeVisitEachQuarter, fromAreaId: rules.fromAreaId },
    count: items.length,
    withFamilyBed: items.filter(i => i.familyBed !== null).length,
    visited: items.filter(i => i.visited).length,
    items
  }
}

export interface Statement {
  kind: 'monthly-statement'
  area: { id: string, name: string }
  month: string
  population: PopulationReport
  coverage: Omit<CoverageResult, 'missing' | 'excused'> & { missing: number, excused: number }
  response: { incidents: number, within60s: number, share: number | null }
  targets: Targets | null
}

/** The statement of a month: population at the month's last day, coverage, acknowledgement within 60 s. */
export async function buildStatement (q: Queryable, area: AreaRef, month: string, timeZone: string): Promise<Statement> {
  const { first, last } = monthBounds(month)
  const population = await populationReport(q, area, last, timeZone)
  const cov = await monthCoverage(q, area, month, timeZone)
  const ack = await ackWithin60s(q, area.path, dayStart(first, timeZone), new Date(endOfDay(last, timeZone).getTime() + 1))
  return {
    kind: 'monthly-statement',
    area: { id: area.id, name: area.name },
    month,
    population,
    // ids stay out of a published statement: it travels upward
    coverage: { month: cov.month, due: cov.due, visited: cov.visited, rate: cov.rate, missing: cov.missing.length, excused: cov.excused.length },
    response: { incidents: ack.incidents, within60s: ack.within60s, share: ack.incidents === 0 ? null : ack.within60s / ack.incidents },
    targets: population.targets
  }
}

const zh = <T extends { key: string, nameZh: string }>(list: readonly T[], key: string) => list.find(x => x.key === key)?.nameZh ?? key
const pct = (v: number | null) => v == null ? '—' : `${Math.round(v * 1000) / 10}%`

/** Rows of (section, metric, key, value, target) — the population report or statement as CSV. */
export function supervisionRows (s: { population: PopulationReport, coverage?: Statement['coverage'], response?: Statement['response'], targets: Targets | null }): Array<[string, string, string, string | number, string | number]> {
  const p = s.population
  const t = s.targets
  const rows: Array<[string, string, string, string | number, string | number]> = []
  rows.push(['population', 'total', '', p.total, ''], ['population', 'current', '', p.current, ''])
  for (const st of RESIDENT_STATUSES) rows.push(['population', 'status', st, p.byStatus[st], ''])
  for (const g of RESIDENT_GROUPS) rows.push(['population', 'group', g.key, p.byGroup[g.key], ''])
  for (const b of [...AGE_BANDS, 'under60', 'unknown'] as const) rows.push(['population', 'age_band', b, p.byAgeBand[b], ''])
  for (const l of ['0', '1', '2', '3', '4', 'unassessed'] as const) rows.push(['population', 'capacity_level', l, p.byCapacityLevel[l], ''])
  rows.push(['family_beds', 'total', '', p.familyBeds.total, t?.familyBeds ?? ''])
  for (const b of FAMILY_BED_TYPES) rows.push(['family_beds', 'type', b.key, p.familyBeds.byType[b.key] ?? 0, ''])
  for (const f of FACILITY_KINDS) rows.push(['facilities', 'kind', f.key, p.facilities[f.key] ?? 0, ''])
  rows.push(['devices', 'total', '', p.devices.total, ''], ['devices', 'per_resident', '', p.devices.perResident == null ? '' : p.devices.perResident.toFixed(2), ''])
  rows.push(['assessments', 'coverage', '', p.assessments.coverage == null ? '' : p.assessments.coverage.toFixed(4), t?.assessmentCoverage ?? ''])
  rows.push(['assessments', 'due', '', p.assessments.due, ''], ['assessments', 'overdue', '', p.assessments.overdue, ''])
  if (s.coverage) {
    rows.push(['visits', 'due', '', s.coverage.due, ''], ['visits', 'visited', '', s.coverage.visited, ''])
    rows.push(['visits', 'coverage', '', s.coverage.rate.toFixed(4), t?.visitCoverage ?? ''])
  }
  if (s.response) rows.push(['response', 'ack_within_60s', '', s.response.share == null ? '' : s.response.share.toFixed(4), t?.ackWithin60s ?? ''])
  return rows
}

/** CSV with a header; cells quoted when they need it; a leading `=+-@` is defused for spreadsheets. */
export function toCsv (rows: ReadonlyArray<ReadonlyArray<string | number>>, header: string[]): string {
  const cell = (v: string | number) => {
    let s = String(v)
    if (/^[=+\-@]/.test(s) && typeof v === 'string') s = `'${s}`
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [header, ...rows].map(r => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** The statement laid out for print: charts (with targets where set) and tables, in Chinese. */
export function statementPrintable (s: Statement): { title: string, subtitle: string, charts: StatementChart[], sections: StatementSection[] } {
  const p = s.population
  const t = s.targets
  const charts: StatementChart[] = [
    { title: '目标完成情况', percent: true, entries: [
      { label: '探访覆盖率', value: s.coverage.rate, target: t?.visitCoverage ?? null },
      { label: '能力评估覆盖率', value: p.assessments.coverage ?? 0, target: t?.assessmentCoverage ?? null },
      { label: '60秒内接警率', value: s.response.share ?? 0, target: t?.ackWithin60s ?? null }
    ] },
    { title: '重点人群', entries: RESIDENT_GROUPS.map(g => ({ label: g.nameZh, value: p.byGroup[g.key] })) },
    { title: '年龄段', entries: AGE_BANDS.map(b => ({ label: `${b}岁`, value: p.byAgeBand[b] })) },
    { title: '能力等级', entries: CAPACITY_LEVEL_NAMES.map(l => ({ label: `${l.level}级 ${l.nameZh.replace(/（.*）/, '')}`, value: p.byCapacityLevel[String(l.level) as '0'] })) }
  ]
  const sections: StatementSection[] = [
    { title: '老年人状态', rows: [['在册总数', String(p.total)], ...RESIDENT_STATUSES.map(st => [({ active: '在家', in_hospital: '住院', moved_out: '迁出', deceased: '去世' })[st], String(p.byStatus[st])] as [string, string])] },
    { title: '家庭养老床位', rows: [['合计', `${p.familyBeds.total}${t?.familyBeds != null ? ` / 目标 ${t.familyBeds}` : ''}`], ...FAMILY_BED_TYPES.map(b => [b.nameZh, String(p.familyBeds.byType[b.key] ?? 0)] as [string, string])] },
    { title: '服务设施', rows: FACILITY_KINDS.map(f => [zh(FACILITY_KINDS, f.key), String(p.facilities[f.key] ?? 0)] as [string, string]) },
    { title: '探访关爱', rows: [['应探访人数', String(s.coverage.due)], ['已探访人数', String(s.coverage.visited)], ['覆盖率', pct(s.coverage.rate)]] },
    { title: '能力评估', rows: [['已评估', String(p.assessments.assessedCurrent)], ['30天内到期', String(p.assessments.due)], ['已逾期或未评估', String(p.assessments.overdue)]] },
    { title: '应急响应', rows: [['报警事件', String(s.response.incidents)], ['60秒内接警', `${s.response.within60s}（${pct(s.response.share)}）`], ['智能设备', `${p.devices.total}（人均 ${p.devices.perResident == null ? '—' : p.devices.perResident.toFixed(2)}）`]] }
  ]
  return { title: '养老服务月度统计报表', subtitle: `${s.area.name} · ${s.month.slice(0, 4)}年${Number(s.month.slice(5))}月`, charts, sections }
}
