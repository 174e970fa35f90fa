/**
 * The SQL of supervision (issue 16): assessments, resident status history, the rows the
 * population and coverage counts are computed from, targets, visit rules and kept statements.
 * The counting itself is pure code in @eldercare/protocols (supervision.ts, assessment.ts).
 */
import { randomUUID } from 'node:crypto'
import { jsonColumn } from '@eldercare/common'
import {
  CARE_RISK_INCIDENT_TYPES, CARE_RISK_WINDOW_DAYS, DEFAULT_VISIT_RULES, conditionChangeSince, type AssessmentResult, type ConditionChange,
  type ConditionChangeKind, type ConditionFacts, type ResidentStatus,
  type StatusChange, type SupervisedResident, type VisitMethod, type VisitRecord, type VisitRules
} from '@eldercare/protocols'
import { inPages, type Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'

const iso = (v: unknown): string | null => v == null ? null : new Date(v as string).toISOString()

export interface AssessmentRow {
  id: string
  residentId: string
  assessedAt: string
  assessor: { userId: string | null, name: string, certificateNo: string | null }
  scores: Record<string, number>
  indicatorTotals: AssessmentResult['indicatorTotals']
  total: number
  preliminaryLevel: number
  level: number
  changes: AssessmentResult['changes']
  comatose: boolean
  dementiaOrMentalDisorder: boolean
  careRiskEvents30d: number
  reassessmentDueAt: string
  recordedBy: string
  createdAt: string
}

function assessmentDto (r: Record<string, any>): AssessmentRow {
  return {
    id: r.id,
    residentId: r.resident_id,
    assessedAt: iso(r.assessed_at)!,
    assessor: { userId: r.assessor_user_id, name: r.assessor_name, certificateNo: r.assessor_certificate_no },
    scores: r.scores,
    indicatorTotals: r.indicator_totals,
    total: r.total,
    preliminaryLevel: r.preliminary_level,
    level: r.level,
    changes: r.changes,
    comatose: r.comatose,
    dementiaOrMentalDisorder: r.dementia_or_mental_disorder,
    careRiskEvents30d: r.care_risk_events_30d,
    reassessmentDueAt: iso(r.reassessment_due_at)!,
    recordedBy: r.recorded_by,
    createdAt: iso(r.created_at)!
  }
}

/** Fall and wandering incidents of a resident in the 30 days up to `at` (GB/T 42195 C.4 care-risk events). */
export async function careRiskIncidents (q: Queryable, residentId: string, at: Date): Promise<Array<{ type: string, at: string }>> {
  const { rows } = await q.query<{ type: string, opened_at: string }>(
    `select type, opened_at from incidents where resident_id = $1 and type = any($2::text[])
       and opened_at > $3::timestamptz - make_interval(days => $4) and opened_at <= $3::timestamptz
       and status <> 'closed_false_alarm'`,
    [residentId, [...CARE_RISK_INCIDENT_TYPES], at.toISOString(), CARE_RISK_WINDOW_DAYS])
  return rows.map(r => ({ type: r.type, at: iso(r.opened_at)! }))
}

export interface NewAssessment {
  residentId: string
  assessedAt: Date
  assessor: { userId: string | null, name: string, certificateNo: string | null }
  scores: Record<string, number>
  result: AssessmentResult
  comatose: boolean
  dementiaOrMentalDisorder: boolean
  careRiskEvents30d: number
  reassessmentDueAt: Date
  recordedBy: string
}

/**
 * Stores an assessment; when it is the resident's latest, the resident's capacity level becomes
 * its result and any manual override ends.
 */
export async function insertAssessment (tx: Queryable, a: NewAssessment): Promise<{ row: AssessmentRow, latest: boolean }> {
  const id = randomUUID()
  const { rows } = await tx.query(
    `insert into assessments (id, resident_id, assessed_at, assessor_user_id, assessor_name, assessor_certificate_no, scores,
       indicator_totals, total, preliminary_level, level, changes, comatose, dementia_or_mental_disorder, care_risk_events_30d,
       reassessment_due_at, recorded_by)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) returning *`,
    [id, a.residentId, a.assessedAt.toISOString(), a.assessor.userId, a.assessor.name, a.assessor.certificateNo, JSON.stringify(a.scores),
      JSON.stringify(a.result.indicatorTotals), a.result.total, a.result.preliminaryLevel, a.result.level, JSON.stringify(a.result.changes),
      a.comatose, a.dementiaOrMentalDisorder, a.careRiskEvents30d, a.reassessmentDueAt.toISOString(), a.recordedBy])
  const { rows: later } = await tx.query('select 1 from assessments where resident_id = $1 and assessed_at > $2 limit 1', [a.residentId, a.assessedAt.toISOString()])
  const latest = later.length === 0
  if (latest) {
    await tx.query('update residents set capacity_level = $2, capacity_override_reason = null, updated_at = now() where id = $1', [a.residentId, a.result.level])
  }
  return { row: assessmentDto(rows[0]), latest }
}

export async function listAssessments (q: Queryable, residentId: string): Promise<AssessmentRow[]> {
  const { rows } = await q.query('select * from assessments where resident_id = $1 order by assessed_at desc', [residentId])
  return rows.map(assessmentDto)
}

export async function getAssessment (q: Queryable, id: string): Promise<AssessmentRow | null> {
  const { rows } = await q.query('select * from assessments where id = $1', [id])
  return rows[0] ? assessmentDto(rows[0]) : null
}

export async function overrideCapacity (tx: Queryable, residentId: string, level: number, reason: string): Promise<void> {
  await tx.query('update residents set capacity_level = $2, capacity_override_reason = $3, updated_at = now() where id = $1', [residentId, level, reason])
}

/** Sets the status with its date and keeps the change. */
export async function setStatus (tx: Queryable, residentId: string, status: ResidentStatus, since: Date, by: string, reason: string | null): Promise<void> {
  await tx.query('update residents set status = $2, status_since = $3, updated_at = now() where id = $1', [residentId, status, since.toISOString()])
  await tx.query('insert into resident_status_history (resident_id, status, since, recorded_by, reason) values ($1, $2, $3, $4, $5)',
    [residentId, status, since.toISOString(), by, reason])
}

export async function statusHistory (q: Queryable, residentId: string): Promise<Array<StatusChange & { recordedBy: string | null, reason: string | null }>> {
  const { rows } = await q.query<Record<string, any>>('select status, since, recorded_by, reason from resident_status_history where resident_id = $1 order by since, id', [residentId])
  return rows.map(r => ({ status: r.status, since: iso(r.since)!, recordedBy: r.recorded_by, reason: r.reason }))
}

/**
 * The ids of the subtree's residents (with one of `statuses`, if given), in id order (lists made
 * from them come out the same on every engine): a long read takes them first, in one narrow
 * statement (a city's 10,000 ~25 ms on PGlite), and then their rows a page at a time (inPages).
 */
async function subtreeResidentIds (q: Queryable, areaPath: string, statuses?: readonly ResidentStatus[]): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `select r.id from residents r join sites s on s.id = r.site_id join areas ar on ar.id = s.area_id
      where ar.path like $1 || '%' and ($2::text[] is null or r.status = any($2::text[])) order by r.id`, [areaPath, statuses ?? null], { prepare: false })
  return rows.map(r => r.id)
}

/**
 * The residents of an area subtree as the counts need them, with the capacity level as of
 * `asOf` (the latest assessment on or before it; the resident's current level when never assessed).
 */
export async function supervisedResidents (q: Queryable, areaPath: string, asOf: Date, pageSize?: number): Promise<SupervisedResident[]> {
  // Set-based, not three subqueries per resident: a city's 100,000 residents took seconds that
  // way (tests/bench/supervision.ts). The subtree's ids first, then a page of residents per
  // statement, their assessments and status changes aggregated by joining to them (issue 11: a
  // city's 10,000 in one statement held PGlite's worker ~130 ms, and their rows the event loop).
  const read = (ids: readonly string[]) => q.query<Record<string, any>>(
    `with rs as materialized (
       select r.id, r.flags, r.birth_date, r.capacity_level, r.created_at from residents r where r.id = any($1::text[])),
     asm as (
       select a.resident_id, count(*) as assessed,
              (array_agg(a.level order by a.assessed_at desc) filter (where a.assessed_at <= $2))[1] as level_then
         from assessments a join rs on rs.id = a.resident_id group by a.resident_id),
     hist as (
       select h.resident_id, json_agg(json_build_object('status', h.status, 'since', h.since) order by h.since, h.id) as history
         from resident_status_history h join rs on rs.id = h.resident_id group by h.resident_id)
     select rs.id, rs.flags, rs.birth_date, rs.capacity_level, rs.created_at, asm.level_then,
            coalesce(asm.assessed, 0) as assessed, coalesce(hist.history, '[]') as history
       from rs left join asm on asm.resident_id = rs.id left join hist on hist.resident_id = rs.id order by rs.id`, [ids, asOf.toISOString()], { prepare: false })
  const resident = (r: Record<string, any>): SupervisedResident => ({
    id: r.id,
    groups: Array.isArray(r.flags) ? r.flags : [],
    capacityLevel: r.level_then ?? (Number(r.assessed) > 0 ? null : r.capacity_level),
    birthDate: r.birth_date == null ? null : (r.birth_date instanceof Date ? r.birth_date.toISOString().slice(0, 10) : String(r.birth_date).slice(0, 10)),
    statusHistory: withRegistration(iso(r.created_at)!, jsonColumn<Array<{ status: ResidentStatus, since: string }>>(r.history).map((h) => ({ status: h.status, since: iso(h.since)! })))
  })
  // made into residents as each page comes (a city's 10,000 in one go held the loop 12–20 ms)
  return (await inPages(await subtreeResidentIds(q, areaPath), async (ids) => (await read(ids)).rows.map(resident), pageSize)).flat()
}

/** A resident is active from registration until the first recorded change (unless that change predates it). */
function withRegistration (createdAt: string, history: StatusChange[]): StatusChange[] {
  if (history.length && history[0].since <= createdAt) return history
  return [{ status: 'active', since: createdAt }, ...history]
}

/** A status date from the API: `YYYY-MM-DD` is that calendar day (00:00Z), a date-time is as given; absent → now. */
export function statusDate (v: string | undefined, now: number): Date {
  if (!v) return new Date(now)
  const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v)
  if (Number.isNaN(d.getTime())) throw errors.VALIDATION(`statusSince: not a date: ${v}`)
  return d
}

/**
 * Done visits of the residents given (a subtree's, as supervisedResidents read them) between two
 * instants, with their method; a page of residents per statement (a city's month in one statement
 * held PGlite's worker ~120 ms).
 */
export async function doneVisits (q: Queryable, residentIds: readonly string[], from: Date, to: Date, pageSize?: number): Promise<VisitRecord[]> {
  const rows = (await inPages(residentIds, async (ids) => (await q.query<Record<string, any>>(
    `select v.resident_id, v.visited_at, v.method from visits v
      where v.resident_id = any($1::text[]) and v.status = 'done' and v.visited_at >= $2 and v.visited_at < $3
      order by v.resident_id, v.visited_at, v.id`,
    [ids, from.toISOString(), to.toISOString()], { prepare: false })).rows, pageSize)).flat()
  return rows.map(r => ({ residentId: r.resident_id, visitedAt: iso(r.visited_at)!, method: r.method as VisitMethod }))
}

/** The visit rules of an area: its own, else the nearest ancestor's, else the defaults. */
export async function visitRulesFor (q: Queryable, areaPath: string): Promise<VisitRules & { fromAreaId: string | null }> {
  const ids = areaPath.split('/').filter(Boolean)
  const { rows } = await q.query<Record<string, any>>('select * from area_visit_rules where area_id = any($1::text[])', [ids])
  for (const id of [...ids].reverse()) {
    const r = rows.find(x => x.area_id === id)
    if (r) return { ...rulesOf(r), fromAreaId: id }
  }
  return { ...DEFAULT_VISIT_RULES, fromAreaId: null }
}

export async function putVisitRules (q: Queryable, areaId: string, rules: VisitRules, by: string): Promise<void> {
  await q.query(
    `insert into area_visit_rules (area_id, eligible_groups, counting_methods, disabled_from_level, home_visit_each_quarter, updated_by, updated_at)
     values ($1, $2, $3, $4, $5, $6, now())
     on conflict (area_id) do update set eligible_groups = excluded.eligible_groups, counting_methods = excluded.counting_methods,
       disabled_from_level = excluded.disabled_from_level, home_visit_each_quarter = excluded.home_visit_each_quarter,
       updated_by = excluded.updated_by, updated_at = now()`,
    [areaId, JSON.stringify(rules.eligibleGroups), JSON.stringify(rules.countingMethods), rules.disabledFromLevel, rules.homeVisitEachQuarter, by])
}

/**
 * Removes an area's own visit rules so that it inherits again (from the nearest ancestor with
 * rules, else the defaults). Returns the rules removed, or null when the area had none of its own.
 */
export async function deleteVisitRules (q: Queryable, areaId: string): Promise<VisitRules | null> {
  const { rows } = await q.query<Record<string, any>>('delete from area_visit_rules where area_id = $1 returning *', [areaId])
  const r = rows[0]
  return r ? rulesOf(r) : null
}

function rulesOf (r: Record<string, any>): VisitRules {
  return { eligibleGroups: r.eligible_groups, countingMethods: r.counting_methods, disabledFromLevel: r.disabled_from_level, homeVisitEachQuarter: r.home_visit_each_quarter }
}

export interface RosterFacts {
  id: string
  name: string
  areaId: string
  areaName: string
  /** the family care bed open on the date at the resident's home, else null */
  familyBed: { type: string, provider: string | null } | null
  lastAssessment: { id: string, assessedAt: string, assessorName: string, certificateNo: string | null, level: number } | null
}

/** Name, community, family bed open on `date` and latest assessment up to `asOf`, for the residents given. */
export async function rosterFacts (q: Queryable, ids: string[], date: string, asOf: Date): Promise<RosterFacts[]> {
  if (ids.length === 0) return []
  const { rows } = await q.query<Record<string, any>>(
    `select r.id, r.name, a.id as area_id, a.name as area_name,
        case when s.family_bed_type is not null and (s.family_bed_since is null or s.family_bed_since <= $2::date)
          and (s.family_bed_until is null or s.family_bed_until >= $2::date) then s.family_bed_type end as bed_type,
        s.family_bed_provider,
        la.id as assessment_id, la.assessed_at, la.assessor_name, la.assessor_certificate_no, la.level
       from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
       left join lateral (select x.id, x.assessed_at, x.assessor_name, x.assessor_certificate_no, x.level from assessments x
          where x.resident_id = r.id and x.assessed_at <= $3 order by x.assessed_at desc limit 1) la on true
      where r.id = any($1::text[])
      order by a.path, r.name, r.id`, [ids, date, asOf.toISOString()])
  return rows.map(r => ({
    id: r.id,
    name: r.name,
    areaId: r.area_id,
    areaName: r.area_name,
    familyBed: r.bed_type ? { type: r.bed_type, provider: r.family_bed_provider ?? null } : null,
    lastAssessment: r.assessment_id
      ? { id: r.assessment_id, assessedAt: iso(r.assessed_at)!, assessorName: r.assessor_name, certificateNo: r.assessor_certificate_no ?? null, level: r.level }
      : null
  }))
}

export interface FacilityFigures {
  familyBeds: { total: number, byType: Record<string, number>, byProvider: Record<string, number> }
  facilities: Record<string, number>
  devices: { total: number, residentsWithDevice: number, perResident: number | null }
}

/** Family care beds open on `date`, sites by kind, devices per current resident. */
export async function facilityFigures (q: Queryable, areaPath: string, date: string, currentResidents: number): Promise<FacilityFigures> {
  const beds = await q.query<{ family_bed_type: string, family_bed_provider: string | null, n: string }>(
    `select s.family_bed_type, s.family_bed_provider, count(*) as n from sites s join areas a on a.id = s.area_id
      where a.path like $1 || '%' and s.family_bed_type is not null and (s.family_bed_since is null or s.family_bed_since <= $2::date)
        and (s.family_bed_until is null or s.family_bed_until >= $2::date)
      group by 1, 2`, [areaPath, date])
  const byType: Record<string, number> = { nursing: 0, inclusive: 0, safety_net: 0 }
  const byProvider: Record<string, number> = {}
  let total = 0
  for (const r of beds.rows) {
    const n = Number(r.n)
    total += n
    byType[r.family_bed_type] = (byType[r.family_bed_type] ?? 0) + n
    const p = r.family_bed_provider ?? '—'
    byProvider[p] = (byProvider[p] ?? 0) + n
  }
  const kinds = await q.query<{ kind: string, n: string }>(
    `select s.kind, count(*) as n from sites s join areas a on a.id = s.area_id where a.path like $1 || '%' group by 1`, [areaPath])
  const facilities: Record<string, number> = { home: 0, institution: 0, day_care: 0, service_station: 0, happiness_home: 0, meal_point: 0 }
  for (const r of kinds.rows) facilities[r.kind] = Number(r.n)
  const dev = await q.query<{ total: string, residents: string }>(
    `select count(*) as total, count(distinct d.resident_id) as residents from devices d join sites s on s.id = d.site_id
       join areas a on a.id = s.area_id where a.path like $1 || '%'`, [areaPath])
  const devTotal = Number(dev.rows[0]?.total ?? 0)
  return {
    familyBeds: { total, byType, byProvider },
    facilities,
    devices: { total: devTotal, residentsWithDevice: Number(dev.rows[0]?.residents ?? 0), perResident: currentResidents === 0 ? null : devTotal / currentResidents }
  }
}

export interface AssessmentFigures { assessedCurrent: number, due: number, overdue: number }

interface LatestAssessment { residentId: string, assessedAt: string | null, scheduledDueAt: string | null }

/**
 * The first change of condition since each resident's latest assessment up to `upTo`
 * (conditionChangeSince decides): care-risk incidents from 30 days before that assessment (the
 * window reaches back over it), status changes, and "condition changed" marks. Residents never
 * assessed are left out: they are overdue anyway.
 */
export async function conditionChanges (q: Queryable, latest: readonly LatestAssessment[], upTo: Date, pageSize?: number): Promise<Map<string, ConditionChange>> {
  // a page of residents per round of statements (inPages)
  const maps = await inPages(latest.filter(l => l.assessedAt != null), (page) => conditionChangesOf(q, page, upTo), pageSize)
  return maps.length === 1 ? maps[0] : new Map(maps.flatMap(m => [...m]))
}

async function conditionChangesOf (q: Queryable, latest: readonly LatestAssessment[], upTo: Date): Promise<Map<string, ConditionChange>> {
  const assessed = latest
  const out = new Map<string, ConditionChange>()
  if (assessed.length === 0) return out
  const ids = assessed.map(l => l.residentId)
  const since = assessed.map(l => l.assessedAt!)
  // unnest pairs each resident with their latest assessment's date
  const latestCte = 'with la as (select * from unnest($1::text[], $2::timestamptz[]) as t(resident_id, assessed_at))'
  const [inc, st, marks] = await Promise.all([
    q.query<{ resident_id: string, type: string, opened_at: string }>(
      `${latestCte} select i.resident_id, i.type, i.opened_at from incidents i join la on la.resident_id = i.resident_id
        where i.type = any($3::text[]) and i.status <> 'closed_false_alarm'
          and i.opened_at > la.assessed_at - make_interval(days => $4) and i.opened_at <= $5::timestamptz`,
      [ids, since, [...CARE_RISK_INCIDENT_TYPES], CARE_RISK_WINDOW_DAYS, upTo.toISOString()]),
    q.query<{ resident_id: string, status: string, since: string }>(
      `${latestCte} select h.resident_id, h.status, h.since from resident_status_history h join la on la.resident_id = h.resident_id
        where h.since <= $3::timestamptz
          and exists (select 1 from resident_status_history y where y.resident_id = h.resident_id and y.since > la.assessed_at and y.since <= $3::timestamptz)`,
      [ids, since, upTo.toISOString()]),
    q.query<{ resident_id: string, at: string, reason: string }>(
      `${latestCte} select c.resident_id, c.at, c.reason from condition_changes c join la on la.resident_id = c.resident_id
        where c.at > la.assessed_at and c.at <= $3::timestamptz`,
      [ids, since, upTo.toISOString()])
  ])
  const facts = new Map<string, ConditionFacts & { careRiskEvents: Array<{ type: string, at: string }>, statusChanges: Array<{ status: string, since: string }>, marks: Array<{ at: string, reason: string }> }>()
  const of = (id: string) => {
    let f = facts.get(id)
    if (!f) { f = { careRiskEvents: [], statusChanges: [], marks: [] }; facts.set(id, f) }
    return f
  }
  for (const r of inc.rows) of(r.resident_id).careRiskEvents.push({ type: r.type, at: iso(r.opened_at)! })
  for (const r of st.rows) of(r.resident_id).statusChanges.push({ status: r.status, since: iso(r.since)! })
  for (const r of marks.rows) of(r.resident_id).marks.push({ at: iso(r.at)!, reason: r.reason })
  for (const l of assessed) {
    const f = facts.get(l.residentId)
    const c = f ? conditionChangeSince(new Date(l.assessedAt!), f) : null
    if (c) out.set(l.residentId, c)
  }
  return out
}

/**
 * When each resident is due: the scheduled date of the latest assessment, brought forward to a
 * change of condition since (min of the two); never assessed: null and overdue. Overdue means
 * the scheduled date has passed; a change of condition makes the resident due now, not overdue.
 */
async function dueDates (q: Queryable, latest: readonly LatestAssessment[], at: Date, pageSize?: number) {
  const changes = await conditionChanges(q, latest, at, pageSize)
  return latest.map(l => {
    const change = changes.get(l.residentId) ?? null
    const dueAt = l.assessedAt == null ? null : reassessmentDueFrom(l.scheduledDueAt!, change)
    const overdue = l.scheduledDueAt == null || new Date(l.scheduledDueAt).getTime() < at.getTime()
    return { ...l, change, dueAt, overdue }
  })
}

function reassessmentDueFrom (scheduled: string, change: ConditionChange | null): string {
  return change && change.at.getTime() < new Date(scheduled).getTime() ? change.at.toISOString() : iso(scheduled)!
}

/**
 * Of the residents given (the current ones), how many have an assessment, and how many are due or
 * overdue on `date`; a page of them at a time (inPages).
 */
export async function assessmentFigures (q: Queryable, residentIds: string[], date: Date, dueWithinDays = 30, pageSize?: number): Promise<AssessmentFigures> {
  const parts = await inPages([...new Set(residentIds)], (page) => assessmentFiguresOf(q, page, date, dueWithinDays, pageSize), pageSize)
  return parts.reduce((a, b) => ({ assessedCurrent: a.assessedCurrent + b.assessedCurrent, due: a.due + b.due, overdue: a.overdue + b.overdue }))
}

async function assessmentFiguresOf (q: Queryable, residentIds: readonly string[], date: Date, dueWithinDays: number, pageSize?: number): Promise<AssessmentFigures> {
  if (residentIds.length === 0) return { assessedCurrent: 0, due: 0, overdue: 0 }
  // the latest assessment of each resident that has one (one index pass, not a subquery per id);
  // the others were never assessed: overdue
  const { rows } = await q.query<{ resident_id: string, assessed_at: string, due: string }>(
    `select distinct on (a.resident_id) a.resident_id, a.assessed_at, a.reassessment_due_at as due from assessments a
      where a.resident_id = any($1::text[]) and a.assessed_at <= $2 order by a.resident_id, a.assessed_at desc`, [residentIds, date.toISOString()])
  const dated = await dueDates(q, rows.map(r => ({ residentId: r.resident_id, assessedAt: iso(r.assessed_at), scheduledDueAt: iso(r.due) })), date, pageSize)
  const assessedCurrent = rows.length
  let due = 0
  let overdue = residentIds.length - rows.length
  const soon = date.getTime() + dueWithinDays * 86_400_000
  for (const r of dated) {
    if (r.overdue) overdue++
    else if (new Date(r.dueAt!).getTime() <= soon) due++
  }
  return { assessedCurrent, due, overdue }
}

export interface DueRow {
  residentId: string
  name: string
  areaId: string
  lastAssessedAt: string | null
  level: number | null
  /** min(scheduled date, date of a change of condition since the latest assessment); null when never assessed */
  dueAt: string | null
  /** the latest assessment's own date for the next one */
  scheduledDueAt: string | null
  /** the change of condition that made the resident due now, until a newer assessment */
  conditionChange: { at: string, kind: ConditionChangeKind, reason: string } | null
  overdue: boolean
}

/**
 * Residents (active or in hospital) of the subtree whose assessment is due within `withinDays`,
 * due now after a change of condition, or overdue; never assessed counts as overdue.
 */
export async function dueAssessments (q: Queryable, areaPath: string, now: Date, withinDays: number, pageSize?: number): Promise<DueRow[]> {
  // the subtree's residents at home or in hospital: their ids first, then a page of them per
  // statement (a city's 10,000 in one held PGlite's worker ~65 ms: issue 11), their latest
  // assessments by one join (not a lateral lookup each)
  const read = async (ids: readonly string[]) => (await q.query<Record<string, any>>(
    `with rs as materialized (
       select r.id, r.name, s.area_id from residents r join sites s on s.id = r.site_id where r.id = any($1::text[])),
     la as (
       select distinct on (x.resident_id) x.resident_id, x.assessed_at, x.level, x.reassessment_due_at
         from assessments x join rs on rs.id = x.resident_id order by x.resident_id, x.assessed_at desc)
     select rs.id, rs.name, rs.area_id, la.assessed_at, la.level, la.reassessment_due_at
       from rs left join la on la.resident_id = rs.id
      where la.reassessment_due_at is null or la.reassessment_due_at <= $2::timestamptz + make_interval(days => $3)
         -- candidates for a change of condition since the latest assessment (dueDates decides)
         or exists (select 1 from condition_changes c where c.resident_id = rs.id and c.at > la.assessed_at)
         or exists (select 1 from resident_status_history h where h.resident_id = rs.id and h.status = 'active' and h.since > la.assessed_at)
         or exists (select 1 from incidents i where i.resident_id = rs.id and i.type = any($4::text[]) and i.status <> 'closed_false_alarm'
                      and i.opened_at > la.assessed_at)`, [ids, now.toISOString(), withinDays, [...CARE_RISK_INCIDENT_TYPES]], { prepare: false })).rows
  const rows = (await inPages(await subtreeResidentIds(q, areaPath, ['active', 'in_hospital']), read, pageSize)).flat()
  const byId = new Map(rows.map(r => [r.id as string, r]))
  const dated = await dueDates(q, rows.map(r => ({ residentId: r.id, assessedAt: iso(r.assessed_at), scheduledDueAt: iso(r.reassessment_due_at) })), now, pageSize)
  const limit = now.getTime() + withinDays * 86_400_000
  return dated
    .filter(d => d.dueAt == null || new Date(d.dueAt).getTime() <= limit)
    .map(d => {
      const r = byId.get(d.residentId)!
      return {
        residentId: d.residentId, name: r.name, areaId: r.area_id, lastAssessedAt: d.assessedAt, level: r.level ?? null,
        dueAt: d.dueAt, scheduledDueAt: d.scheduledDueAt, overdue: d.overdue,
        conditionChange: d.change && { at: d.change.at.toISOString(), kind: d.change.kind, reason: d.change.reason }
      }
    })
    .sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? '') || a.residentId.localeCompare(b.residentId))
}

/** Records that a resident's condition changed (an operator's or assessor's word, with the reason). */
export async function insertConditionChange (tx: Queryable, residentId: string, at: Date, reason: string, by: string): Promise<{ id: string, at: string, reason: string, markedBy: string }> {
  const id = randomUUID()
  await tx.query('insert into condition_changes (id, resident_id, at, reason, marked_by) values ($1, $2, $3, $4, $5)', [id, residentId, at.toISOString(), reason, by])
  return { id, at: at.toISOString(), reason, markedBy: by }
}

export interface Targets { year: number, familyBeds: number | null, visitCoverage: number | null, assessmentCoverage: number | null, ackWithin60s: number | null }

export async function getTargets (q: Queryable, areaId: string, year: number): Promise<Targets | null> {
  const { rows } = await q.query<Record<string, any>>('select * from area_targets where area_id = $1 and year = $2', [areaId, year])
  const r = rows[0]
  return r ? { year, familyBeds: r.family_beds, visitCoverage: r.visit_coverage, assessmentCoverage: r.assessment_coverage, ackWithin60s: r.ack_within_60s } : null
}

export async function putTargets (q: Queryable, areaId: string, t: Targets, by: string): Promise<void> {
  await q.query(
    `insert into area_targets (area_id, year, family_beds, visit_coverage, assessment_coverage, ack_within_60s, updated_by, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, now())
     on conflict (area_id, year) do update set family_beds = excluded.family_beds, visit_coverage = excluded.visit_coverage,
       assessment_coverage = excluded.assessment_coverage, ack_within_60s = excluded.ack_within_60s, updated_by = excluded.updated_by, updated_at = now()`,
    [areaId, t.year, t.familyBeds, t.visitCoverage, t.assessmentCoverage, t.ackWithin60s, by])
}

export interface TargetsTreeRow { areaId: string, parentId: string | null, name: string, level: string, depth: number, targets: Targets }

/**
 * The targets of every area of a subtree for one year, in tree order (each area followed by its
 * own subtree, siblings by name), `depth` 0 for the root. `maxDepth` 1 stops at the children.
 * One query whatever the size of the subtree (a city has hundreds of communities).
 */
export async function targetsTree (q: Queryable, root: { id: string, path: string }, year: number, maxDepth = Infinity): Promise<TargetsTreeRow[]> {
  const { rows } = await q.query<Record<string, any>>(
    `select a.id, a.parent_id, a.name, a.level, a.path, t.family_beds, t.visit_coverage, t.assessment_coverage, t.ack_within_60s
       from areas a left join area_targets t on t.area_id = a.id and t.year = $2
      where a.path like $1 || '%'`, [root.path, year])
  const rootDepth = root.path.split('/').filter(Boolean).length
  const children = new Map<string | null, Array<Record<string, any>>>()
  for (const r of rows) {
    const key = r.id === root.id ? null : r.parent_id
    const list = children.get(key) ?? []
    list.push(r)
    children.set(key, list)
  }
  const out: TargetsTreeRow[] = []
  const walk = (parent: string | null) => {
    const list = (children.get(parent) ?? []).sort((a, b) => String(a.name).localeCompare(String(b.name), 'zh-CN') || String(a.id).localeCompare(String(b.id)))
    for (const r of list) {
      const depth = String(r.path).split('/').filter(Boolean).length - rootDepth
      if (depth > maxDepth) continue
      out.push({
        areaId: r.id, parentId: r.parent_id, name: r.name, level: r.level, depth,
        targets: { year, familyBeds: r.family_beds ?? null, visitCoverage: r.visit_coverage ?? null, assessmentCoverage: r.assessment_coverage ?? null, ackWithin60s: r.ack_within_60s ?? null }
      })
      walk(r.id)
    }
  }
  walk(null)
  return out
}

export interface StoredStatement { id: string, areaId: string, month: string, version: number, content: any, generatedAt: string, generatedBy: string, reason: string | null }

const statementDto = (r: Record<string, any>): StoredStatement => ({
  id: r.id, areaId: r.area_id, month: r.month, version: r.version, content: r.content, generatedAt: iso(r.generated_at)!, generatedBy: r.generated_by, reason: r.reason
})

/** The latest version of an area's statement for a month, if generated. */
export async function latestStatement (q: Queryable, areaId: string, month: string): Promise<StoredStatement | null> {
  const { rows } = await q.query('select * from statements where area_id = $1 and month = $2 order by version desc limit 1', [areaId, month])
  return rows[0] ? statementDto(rows[0]) : null
}

/** Kept versions of the subtree, newest month first; `month` keeps one month only. */
export async function listStatements (q: Queryable, areaPath: string, opts: { month?: string, limit?: number } = {}): Promise<Array<Omit<StoredStatement, 'content'>>> {
  const { rows } = await q.query<Record<string, any>>(
    `select st.id, st.area_id, st.month, st.version, st.generated_at, st.generated_by, st.reason from statements st join areas a on a.id = st.area_id
      where a.path like $1 || '%' and ($3::text is null or st.month = $3) order by st.month desc, st.area_id, st.version desc limit $2`,
    [areaPath, opts.limit ?? 120, opts.month ?? null])
  return rows.map(r => { const { content: _c, ...rest } = statementDto({ ...r, content: null }); return rest })
}

export async function getStatement (q: Queryable, id: string): Promise<(StoredStatement & { areaPath: string }) | null> {
  const { rows } = await q.query<Record<string, any>>('select st.*, a.path as area_path from statements st join areas a on a.id = st.area_id where st.id = $1', [id])
  return rows[0] ? { ...statementDto(rows[0]), areaPath: rows[0].area_path } : null
}

/** Keeps a new version; the previous ones stay as they were published. */
export async function insertStatement (tx: Queryable, areaId: string, month: string, content: unknown, by: string, reason: string | null): Promise<StoredStatement> {
  const { rows: v } = await tx.query<{ v: number | null }>('select max(version) as v from statements where area_id = $1 and month = $2', [areaId, month])
  const version = Number(v[0]?.v ?? 0) + 1
  const { rows } = await tx.query('insert into statements (id, area_id, month, version, content, generated_by, reason) values ($1,$2,$3,$4,$5,$6,$7) returning *',
    [randomUUID(), areaId, month, version, JSON.stringify(content), by, reason])
  return statementDto(rows[0])
}

/** Every area that has residents or sites, for the monthly job. */
export async function areasForStatements (q: Queryable): Promise<Array<{ id: string, path: string, name: string }>> {
  const { rows } = await q.query<{ id: string, path: string, name: string }>('select id, path, name from areas order by path')
  return rows
}

/** Acknowledgement within 60 s in a period: alarms opened in it and how many were acknowledged within 60 s. */
export async function ackWithin60s (q: Queryable, areaPath: string, from: Date, to: Date): Promise<{ incidents: number, within60s: number }> {
  const { rows } = await q.query<{ n: string, ok: string }>(
    `select count(*) as n, count(*) filter (where i.acknowledged_at is not null and i.acknowledged_at - i.opened_at <= interval '60 seconds') as ok
       from incidents i join areas a on a.id = i.area_id where a.path like $1 || '%' and i.opened_at >= $2 and i.opened_at < $3`,
    [areaPath, from.toISOString(), to.toISOString()])
  return { incidents: Number(rows[0]?.n ?? 0), within60s: Number(rows[0]?.ok ?? 0) }
}
