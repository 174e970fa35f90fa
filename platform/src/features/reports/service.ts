/**
 * The supervision report for one area subtree and period, computed in SQL on the database
 * (the same statements on PGlite and PostgreSQL; on the embedded database in slices of the period
 * whose figures are added up, REPORT_SLICE_INCIDENTS). Incidents count when opened in [from, to).
 *
 * Definitions (docs/platform.md, "Reports"):
 * - time to acknowledge = acknowledged_at − opened_at; the shares within 60 s / 180 s are over
 *   all incidents of the period (an unacknowledged one is not within) — TSA targets 97.5% / 99%;
 * - time to on-scene = on_scene_at − opened_at, shares over incidents that were dispatched;
 * - false-alarm rate = closed as false alarm (status closed_false_alarm or an outcome false_alarm_*)
 *   over incidents closed;
 * - SLA breaches: flagged by the engine (ack_breached, on_scene_breached) or past the due time.
 */
import { oneAtATime, type Queryable } from '../../db/db.ts'
import { overdueByArea, visitCoverageByMonth } from '../registry/stats.ts'
import { DEFAULT_TIME_ZONE, localDate, localMidnight, monthBounds, monthOf, startOfLocalDay } from '../../lib/local-time.ts'

export interface ReportOptions {
  /** battery percentage below which a device counts as low. Default 20. */
  lowBatteryPercent?: number
  /** silence after which a device is "offline > 24 h" and a resident has "no data". Default 24 h. */
  staleAfterMs?: number
  /** Calendar months and "today" are this zone's. Default Asia/Shanghai. */
  timeZone?: string
  /**
   * Read the period in slices (REPORT_SLICE_INCIDENTS) and the visit coverage a month per
   * statement. Default: on the embedded database, where a statement holds the one worker alarms
   * wait for; not on PostgreSQL, where statements run side by side on the pool's connections and
   * one statement per figure is quicker (a city's year 271 ms in one, 690 ms in slices).
   */
  sliced?: boolean
  /** About how many incidents a slice reads (REPORT_SLICE_INCIDENTS); tests make it small. */
  sliceIncidents?: number
  /** Told how many slices the period was read in. */
  onSlices?: (n: number) => void
}

export interface ReportArea { id: string, name: string, path: string }

const num = (v: unknown): number => Number(v ?? 0)
const share = (n: number, d: number): number | null => (d === 0 ? null : n / d)

/** Incidents of the subtree opened in the period, as a CTE prefix ($1 path, $2 from, $3 to). */
const SCOPED = `with i as (
  select i.* from incidents i join areas a on a.id = i.area_id
   where a.path like $1 || '%' and i.opened_at >= $2 and i.opened_at < $3)`

/**
 * About how many incidents one of the report's statements reads on the embedded database (issue
 * 11, ARCHITECTURE.md: no report may hold what an alarm's insert waits for). There every statement
 * holds the one worker that the alarm lane's inserts and the incident engine wait for, and a
 * statement runs to its end: the city's year (10,000 residents, 50,000 incidents) in one statement
 * held it ~200 ms. So the period is read in slices of whole local days sized to about this many
 * incidents each (under ~15 ms each on PGlite), and the slices' figures are added up. A day is
 * the smallest slice. Not on PostgreSQL (ReportOptions.sliced).
 */
export const REPORT_SLICE_INCIDENTS = 1000

/** The figures of the incidents of one slice, as the statements below return them. */
interface SliceFigures {
  grouped: Array<{ type: string | null, priority: string | null, outcome: string | null, g: number, incidents: string, alarms: string }>
  t: Record<string, unknown>
  byChild: Array<{ child_id: string, name: string, incidents: string, ack_within_60: string }>
  byDay: Array<{ day: string, incidents: string, ack_within_60: string }>
}

/** The counts of `t` that add up over slices (everything but the value lists). */
const SUMMED = ['incidents', 'alarms', 'closed', 'false_alarms', 'acknowledged', 'ack_within_60', 'ack_le_30', 'ack_le_120', 'ack_le_180', 'ack_le_300',
  'ack_over_300', 'ack_within_180', 'dispatched', 'on_scene', 'scene_within_45m', 'scene_within_60m', 'ack_breaches', 'on_scene_breaches'] as const

async function sliceFigures (q: Queryable, path: string, areaId: string, from: Date, to: Date, now: Date, tz: string): Promise<SliceFigures> {
  const p = [path, from, to]
  // One scan for the three breakdowns: grouping sets give the rows of each grouping apart.
  const grouped = (await q.query<SliceFigures['grouped'][number]>(
    `${SCOPED} select type, priority, outcome, grouping(type, priority, outcome) as g, count(*) as incidents, sum(alarm_count) as alarms
       from i group by grouping sets ((type), (priority), (outcome))`, p)).rows
  // Percentiles do not add up over slices: the slice's times go back (as float8, what
  // percentile_cont computes with) and the percentiles are taken over all of them (percentileCont).
  const t = (await q.query<Record<string, unknown>>(`${SCOPED}
    , d as (select *, extract(epoch from acknowledged_at - opened_at) as ack_s, extract(epoch from on_scene_at - opened_at) as scene_s from i)
    select count(*) as incidents, coalesce(sum(alarm_count), 0) as alarms,
           count(*) filter (where status in ('resolved', 'closed_false_alarm')) as closed,
           count(*) filter (where status = 'closed_false_alarm' or outcome like 'false_alarm%') as false_alarms,
           count(ack_s) as acknowledged,
           coalesce(array_agg(ack_s::float8) filter (where ack_s is not null), '{}') as ack_values,
           count(*) filter (where ack_s <= 60) as ack_within_60,
           count(*) filter (where ack_s <= 30) as ack_le_30,
           count(*) filter (where ack_s > 60 and ack_s <= 120) as ack_le_120,
           count(*) filter (where ack_s > 120 and ack_s <= 180) as ack_le_180,
           count(*) filter (where ack_s > 180 and ack_s <= 300) as ack_le_300,
           count(*) filter (where ack_s > 300) as ack_over_300,
           count(*) filter (where ack_s <= 180) as ack_within_180,
           count(*) filter (where dispatched_at is not null) as dispatched,
           count(scene_s) as on_scene,
           coalesce(array_agg(scene_s::float8) filter (where scene_s is not null), '{}') as scene_values,
           count(*) filter (where scene_s <= 2700) as scene_within_45m,
           count(*) filter (where scene_s <= 3600) as scene_within_60m,
           count(*) filter (where ack_breached or (ack_due_at is not null and coalesce(acknowledged_at, $4) > ack_due_at)) as ack_breaches,
           count(*) filter (where on_scene_breached or (on_scene_due_at is not null and coalesce(on_scene_at, $4) > on_scene_due_at)) as on_scene_breaches
      from d`, [...p, now])).rows[0]
  // Per child area of the scope (an incident of the scope's own area counts under the scope), and
  // per calendar day in the service's zone (days without incidents are left out).
  const byChild = (await q.query<SliceFigures['byChild'][number]>(`${SCOPED}
    , c as (select coalesce(nullif(split_part(substr(a.path, length($1) + 1), '/', 1), ''), $4) as child_id, i.*
              from i join areas a on a.id = i.area_id)
    select c.child_id, a.name, count(*) as incidents,
           count(*) filter (where c.acknowledged_at - c.opened_at <= interval '60 seconds') as ack_within_60
      from c join areas a on a.id = c.child_id group by c.child_id, a.name`, [...p, areaId])).rows
  const byDay = (await q.query<SliceFigures['byDay'][number]>(`${SCOPED}
    select to_char(opened_at at time zone $4, 'YYYY-MM-DD') as day, count(*) as incidents,
           count(*) filter (where acknowledged_at - opened_at <= interval '60 seconds') as ack_within_60
      from i group by 1`, [...p, tz])).rows
  return { grouped, t, byChild, byDay }
}

/** PostgreSQL's percentile_cont over `sorted` (ascending): linear between the two rows around p × (n − 1). */
export function percentileCont (sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const pos = p * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const first = sorted[lo]
  return lo === hi ? first : first + (sorted[hi] - first) * (pos - lo)
}

/** Adds `rows`' counts into `into` under `key(row)`, keeping the first row's other fields. */
function addUp<R extends Record<string, unknown>> (into: Map<string, R>, rows: readonly R[], key: (r: R) => string, counts: ReadonlyArray<keyof R>): void {
  for (const r of rows) {
    const k = key(r)
    const seen = into.get(k)
    if (!seen) { into.set(k, { ...r }); continue }
    for (const c of counts) (seen as Record<keyof R, unknown>)[c] = num(seen[c]) + num(r[c])
  }
}

export async function computeReport (q: Queryable, area: ReportArea, from: Date, to: Date, now: Date, opts: ReportOptions = {}) {
  const lowBattery = opts.lowBatteryPercent ?? 20
  const staleBefore = new Date(now.getTime() - (opts.staleAfterMs ?? 24 * 3600_000))
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE
  const sliced = opts.sliced ?? oneAtATime(q)
  const target = opts.sliceIncidents ?? REPORT_SLICE_INCIDENTS

  // The period in slices of whole local days, each sized from the one before to about `target`
  // incidents (at most twice as many days as the slice before: a busy stretch is found after one
  // slice too long, not after many); the figures added up as they come.
  const grouped = new Map<string, SliceFigures['grouped'][number]>()
  const byChild = new Map<string, SliceFigures['byChild'][number]>()
  const byDay = new Map<string, SliceFigures['byDay'][number]>()
  const t: Record<string, number> = Object.fromEntries(SUMMED.map((k) => [k, 0]))
  const ackValues: number[] = []
  const sceneValues: number[] = []
  let slices = 0
  for (let start = from, days = 1; start < to;) {
    const day = startOfLocalDay(start.getTime(), tz)
    const [y, m, d] = localDate(day.getTime(), tz).split('-').map(Number)
    const end = sliced ? new Date(Math.min(to.getTime(), localMidnight(y, m, d + days, tz).getTime())) : to
    const f = await sliceFigures(q, area.path, area.id, start, end, now, tz)
    slices++
    addUp(grouped, f.grouped, (r) => `${r.g}\u0000${r.type}\u0000${r.priority}\u0000${r.outcome}`, ['incidents', 'alarms'])
    addUp(byChild, f.byChild, (r) => r.child_id, ['incidents', 'ack_within_60'])
    addUp(byDay, f.byDay, (r) => r.day, ['incidents', 'ack_within_60'])
    for (const k of SUMMED) t[k] += num(f.t[k])
    for (const v of f.t.ack_values as number[]) ackValues.push(v)
    for (const v of f.t.scene_values as number[]) sceneValues.push(v)
    const n = num(f.t.incidents)
    days = n === 0 ? days * 2 : Math.max(1, Math.min(days * 2, Math.floor(days * target / n)))
    start = end
  }
  opts.onSlices?.(slices)
  ackValues.sort((a, b) => a - b)
  sceneValues.sort((a, b) => a - b)
  // grouping() bits: 4 = type rolled up, 2 = priority, 1 = outcome; a set's own column is the 0 bit.
  const groups = (bits: number, key: 'type' | 'priority' | 'outcome') => [...grouped.values()].filter((r) => Number(r.g) === bits)
    .map((r) => ({ key: r[key], incidents: num(r.incidents), alarms: num(r.alarms) }))
    .sort((a, b) => b.incidents - a.incidents || String(a.key ?? '').localeCompare(String(b.key ?? '')))

  // The devices now (not sliced: one pass over the subtree's devices, ~10–15 ms for a city's
  // 20,000 on PGlite), planned for their parameters: with the generic plans settled on after five
  // runs, 25–30 ms each.
  const dev = (await q.query<Record<string, unknown>>(`
    select count(*) as total, count(*) filter (where d.online) as online,
           count(*) filter (where d.battery is not null and d.battery < $2) as low_battery,
           count(*) filter (where not d.online and coalesce(d.last_seen_at, d.created_at) < $3) as offline_over_24h
      from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where a.path like $1 || '%'`, [area.path, lowBattery, staleBefore], { prepare: false })).rows[0]
  // A resident with devices none of which was heard from in 24 h (never heard: since registration).
  const silent = (await q.query<{ n: string }>(`
    select count(*) as n from (
      select d.resident_id from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id
       where a.path like $1 || '%' and d.resident_id is not null
       group by d.resident_id having max(coalesce(d.last_seen_at, d.created_at)) < $2) x`, [area.path, staleBefore], { prepare: false })).rows[0]

  // Visit coverage per calendar month touching the period — sliced, a statement per month (the
  // city's year in one held the embedded database ~200 ms, a month ~11 ms) — and overdue visits now.
  const months: string[] = []
  for (let m = monthOf(from.getTime(), tz); monthBounds(m, tz).start < to; m = monthOf(monthBounds(m, tz).end.getTime(), tz)) months.push(m)
  const coverage: Awaited<ReturnType<typeof visitCoverageByMonth>> = []
  for (const some of sliced ? months.slice(-27).map((m) => [m]) : [months.slice(-27)]) coverage.push(...await visitCoverageByMonth(q, area.path, some, tz))
  const overdue = await overdueByArea(q, area.path, localDate(now.getTime(), tz))

  const ackPct = [0.5, 0.9, 0.99].map((p) => percentileCont(ackValues, p))
  const children = [...byChild.values()].sort((a, b) => num(b.incidents) - num(a.incidents) || a.name.localeCompare(b.name))
  const days = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day))
  const incidents = t.incidents
  const dispatched = t.dispatched
  return {
    area: { id: area.id, name: area.name },
    period: { from: from.toISOString(), to: to.toISOString() },
    generatedAt: now.toISOString(),
    incidents: {
      total: incidents, alarms: num(t.alarms), closed: num(t.closed), falseAlarms: num(t.false_alarms),
      falseAlarmRate: share(num(t.false_alarms), num(t.closed)),
      byType: groups(3, 'type'), byPriority: groups(5, 'priority'), byOutcome: groups(6, 'outcome'),
      byArea: children.map((r) => ({ areaId: r.child_id, name: r.name, incidents: num(r.incidents), within60s: share(num(r.ack_within_60), num(r.incidents)) })),
      byDay: days.map((r) => ({ date: r.day, incidents: num(r.incidents), within60s: share(num(r.ack_within_60), num(r.incidents)) }))
    },
    acknowledge: {
      acknowledged: num(t.acknowledged),
      p50Seconds: ackPct[0], p90Seconds: ackPct[1], p99Seconds: ackPct[2],
      within60s: share(num(t.ack_within_60), incidents), within180s: share(num(t.ack_within_180), incidents),
      /** incidents by time to acknowledge, upper bounds inclusive (as "within 60 s" is) */
      distribution: {
        le30s: num(t.ack_le_30), le60s: num(t.ack_within_60) - num(t.ack_le_30), le120s: num(t.ack_le_120), le180s: num(t.ack_le_180),
        le300s: num(t.ack_le_300), over300s: num(t.ack_over_300), unacknowledged: incidents - num(t.acknowledged)
      },
      targets: { within60s: 0.975, within180s: 0.99 }
    },
    onScene: {
      dispatched, arrived: num(t.on_scene), p50Seconds: percentileCont(sceneValues, 0.5),
      within45m: share(num(t.scene_within_45m), dispatched), within60m: share(num(t.scene_within_60m), dispatched)
    },
    slaBreaches: { acknowledge: num(t.ack_breaches), onScene: num(t.on_scene_breaches) },
    devices: {
      total: num(dev.total), online: num(dev.online), onlineShare: share(num(dev.online), num(dev.total)),
      lowBattery: num(dev.low_battery), offlineOver24h: num(dev.offline_over_24h), residentsWithoutDataOver24h: num(silent.n)
    },
    visits: { coverage, overdue: overdue.reduce((s, r) => s + r.overdue, 0), overdueByArea: overdue }
  }
}

export type Report = Awaited<ReturnType<typeof computeReport>>

/** A cell for CSV: quoted when needed; a leading =,+,-,@ is defused so spreadsheets do not run it as a formula. */
export function csvCell (v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = typeof v === 'number' ? String(v) : String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export function toCsv (rows: unknown[][]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n'
}

/** The report as `section,metric,key,value` rows (one file a spreadsheet opens as is). */
export function reportCsv (r: Report): string {
  const rows: unknown[][] = [['section', 'metric', 'key', 'value']]
  const put = (section: string, obj: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) if (v === null || typeof v !== 'object') rows.push([section, k, '', v])
  }
  rows.push(['report', 'area', r.area.id, r.area.name], ['report', 'from', '', r.period.from], ['report', 'to', '', r.period.to], ['report', 'generatedAt', '', r.generatedAt])
  put('incidents', r.incidents)
  for (const [metric, list] of [['byType', r.incidents.byType], ['byPriority', r.incidents.byPriority], ['byOutcome', r.incidents.byOutcome]] as const) {
    for (const g of list) rows.push(['incidents', metric, g.key ?? '(none)', g.incidents])
  }
  put('acknowledge', r.acknowledge)
  put('onScene', r.onScene)
  put('slaBreaches', r.slaBreaches)
  put('devices', r.devices)
  for (const c of r.visits.coverage) rows.push(['visits', 'coverage', c.month, c.rate], ['visits', 'flagged', c.month, c.flagged], ['visits', 'visited', c.month, c.visited])
  rows.push(['visits', 'overdue', '', r.visits.overdue])
  for (const o of r.visits.overdueByArea) rows.push(['visits', 'overdueByArea', o.name, o.overdue])
  return toCsv(rows)
}
