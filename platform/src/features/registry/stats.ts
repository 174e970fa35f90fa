/**
 * Figures on visits shared by the visits routes and the reports: computed in SQL, scoped by an
 * area path prefix. Months are calendar months in the service's time zone (local-time.ts).
 */
import type { Queryable } from '../../db/db.ts'
import { monthBounds } from '../../lib/local-time.ts'

/** SQL condition: resident `r` needs monthly visits (a flag, or the legacy lives_alone column). */
export const FLAGGED_SQL = `(r.lives_alone or r.flags <> '[]'::jsonb)`

export interface CoverageRow { areaId: string, name: string, level: string, flagged: number, visited: number, rate: number | null }

const rate = (visited: number, flagged: number): number | null => (flagged === 0 ? null : visited / flagged)

/**
 * Visit coverage in [start, end) for the area at `path` and each of its child areas: flagged
 * residents (registered before `end`) and how many of them had a completed visit in the period.
 */
export async function visitCoverage (q: Queryable, area: { id: string, path: string }, start: Date, end: Date): Promise<{ total: Omit<CoverageRow, 'areaId' | 'name' | 'level'>, areas: CoverageRow[] }> {
  const { rows } = await q.query<{ id: string, name: string, level: string, flagged: string, visited: string }>(`
    with res as (
      select r.id, a.path from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
       where a.path like $1 || '%' and ${FLAGGED_SQL} and r.created_at < $3
    ), done as (
      select distinct v.resident_id from visits v
       where v.status = 'done' and v.visited_at >= $2 and v.visited_at < $3
    )
    select c.id, c.name, c.level, count(res.id) as flagged, count(done.resident_id) as visited
      from areas c
      left join res on res.path like c.path || '%'
      left join done on done.resident_id = res.id
     where c.id = $4 or c.parent_id = $4
     group by c.id, c.name, c.level, c.path
     order by c.path`, [area.path, start, end, area.id])
  const all = rows.map((r) => ({ areaId: r.id, name: r.name, level: r.level, flagged: Number(r.flagged), visited: Number(r.visited), rate: rate(Number(r.visited), Number(r.flagged)) }))
  const self = all.find((r) => r.areaId === area.id)!
  return { total: { flagged: self.flagged, visited: self.visited, rate: self.rate }, areas: all.filter((r) => r.areaId !== area.id) }
}

/**
 * Planned visits past their due date (`today`, YYYY-MM-DD) under `path`, counted per community;
 * residents at home only (visits pause in hospital). Planned for its parameters each time
 * (QueryOptions.prepare): the generic plan settled on after five runs took a city's 10,000
 * residents 60–70 ms on PGlite instead of ~10 ms.
 */
export async function overdueByArea (q: Queryable, path: string, today: string): Promise<Array<{ areaId: string, name: string, overdue: number }>> {
  const { rows } = await q.query<{ id: string, name: string, n: string }>(`
    select a.id, a.name, count(*) as n from visits v
      join residents r on r.id = v.resident_id join sites s on s.id = r.site_id join areas a on a.id = s.area_id
     where a.path like $1 || '%' and v.status = 'planned' and v.due_date < $2::date and r.status = 'active'
     group by a.id, a.name, a.path order by a.path`, [path, today], { prepare: false })
  return rows.map((r) => ({ areaId: r.id, name: r.name, overdue: Number(r.n) }))
}

/**
 * Visit coverage of the subtree at `path` for several months in one statement (the report's
 * view): per month, the flagged residents registered before its end and how many were visited.
 * Planned for its parameters each time (QueryOptions.prepare): a city's month took 11–17 ms on
 * PGlite so, ~40 ms with the generic plan settled on after five runs.
 */
export async function visitCoverageByMonth (q: Queryable, path: string, months: string[], tz: string): Promise<Array<{ month: string, flagged: number, visited: number, rate: number | null }>> {
  if (!months.length) return []
  const bounds = months.map((m) => monthBounds(m, tz))
  const { rows } = await q.query<{ s: Date | string, flagged: string, visited: string }>(`
    with m as (select * from unnest($2::text[]::timestamptz[], $3::text[]::timestamptz[]) as m(s, e)),
    res as (
      select r.id, r.created_at from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
       where a.path like $1 || '%' and ${FLAGGED_SQL}
    ), done as (
      select distinct m.s, v.resident_id from visits v join m on v.visited_at >= m.s and v.visited_at < m.e
       where v.status = 'done' and v.resident_id in (select id from res)
    )
    select m.s,
           (select count(*) from res where res.created_at < m.e) as flagged,
           (select count(*) from done d join res on res.id = d.resident_id where d.s = m.s and res.created_at < m.e) as visited
      from m order by m.s`, [path, bounds.map((b) => b.start.toISOString()), bounds.map((b) => b.end.toISOString())], { prepare: false })
  return rows.map((r, i) => ({ month: months[i], flagged: Number(r.flagged), visited: Number(r.visited), rate: rate(Number(r.visited), Number(r.flagged)) }))
}
