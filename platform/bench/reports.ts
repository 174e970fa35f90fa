/**
 * Benchmark of the supervision report (npm run bench:reports): seeds a city of 10,000 residents
 * with a year of data — 20,000 devices, ~50,000 incidents, ~48,000 visits — and prints how long
 * computeReport takes per scope and period, side by side, then how long an alarm-lane statement
 * waits while the city's year report runs, and while the operators' incident list is read (issue
 * 11). PGlite in memory by default;
 * DATABASE_URL=postgres://… runs it on an EMPTY PostgreSQL database instead.
 *
 *   npm run bench:reports [-- --residents 10000 --incidents-per-resident 5 --runs 5]
 */
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { openDb } from '../src/db/db.ts'
import { migrate } from '../src/db/migrate.ts'
import { computeReport } from '../src/features/reports/service.ts'
import { IncidentService } from '../src/features/incidents/service.ts'

const { values } = parseArgs({
  options: {
    residents: { type: 'string', default: '10000' },
    'incidents-per-resident': { type: 'string', default: '5' },
    runs: { type: 'string', default: '5' }
  }
})
const RESIDENTS = Number(values.residents)
const INCIDENTS = Math.round(RESIDENTS * Number(values['incidents-per-resident']))
const RUNS = Number(values.runs)
if (!(RESIDENTS >= 200) || !(INCIDENTS >= 0) || !(RUNS >= 1)) {
  console.error('usage: --residents N (≥ 200) --incidents-per-resident K --runs R (≥ 1)')
  process.exit(2)
}

const NOW = new Date('2026-01-01T00:00:00Z')
const YEAR_START = '2025-01-01T00:00:00Z'
const db = await openDb({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://' })
const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => { const t = performance.now(); const r = await fn(); return [r, performance.now() - t] }

try {
  await migrate(db)
  const [, seedMs] = await time(async () => {
    await db.exec(`
      insert into areas (id, name, level, parent_id, path) values ('city', '市', 'city', null, '/city/');
      insert into areas (id, name, level, parent_id, path)
        select 'd' || i, '区' || i, 'district', 'city', '/city/d' || i || '/' from generate_series(1, 10) i;
      insert into areas (id, name, level, parent_id, path)
        select 's' || i, '街道' || i, 'street', 'd' || ((i - 1) % 10 + 1), '/city/d' || ((i - 1) % 10 + 1) || '/s' || i || '/' from generate_series(1, 50) i;
      insert into areas (id, name, level, parent_id, path)
        select 'c' || i, '社区' || i, 'community', 's' || ((i - 1) % 50 + 1),
               '/city/d' || ((i - 1) % 50 % 10 + 1) || '/s' || ((i - 1) % 50 + 1) || '/c' || i || '/' from generate_series(1, 200) i;
      insert into sites (id, name, kind, area_id)
        select 'site' || i, '家' || i, 'home', 'c' || ((i - 1) % 200 + 1) from generate_series(1, ${RESIDENTS}) i;
      insert into residents (id, name, site_id, capacity_level, lives_alone, flags, created_at)
        select 'r' || i, '居民' || i, 'site' || i, i % 5, i % 5 = 0,
               case when i % 5 = 0 then '["lives_alone"]' when i % 5 = 1 then '["empty_nest"]' else '[]' end::jsonb, '2024-06-01'
          from generate_series(1, ${RESIDENTS}) i;
      insert into devices (id, type, site_id, resident_id, secret_hash, online, battery, last_seen_at)
        select 'dev' || i || k, case k when 'a' then 'fall_detector' else 'sos_button' end, 'site' || i, 'r' || i, 'x',
               random() < 0.95, (random() * 100)::real, timestamptz '${NOW.toISOString()}' - random() * interval '48 hours'
          from generate_series(1, ${RESIDENTS}) i, (values ('a'), ('b')) v(k);
      insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at,
                             acknowledged_at, resolved_at, outcome, dispatched_at, on_scene_at, on_scene_due_at, updated_at)
        select 'inc' || n, t.type, t.priority, case when n % 10 = 0 then 'closed_false_alarm' else 'resolved' end,
               'r' || r, 'site' || r, 'c' || ((r - 1) % 200 + 1), 1 + (n % 3), o.at, o.at + interval '60 seconds',
               o.at + (5 + random() * 200) * interval '1 second', o.at + interval '2 hours',
               case when n % 10 = 0 then 'false_alarm_device' else 'handled_by_call' end,
               case when n % 4 = 0 then o.at + interval '2 minutes' end,
               case when n % 4 = 0 then o.at + (20 + random() * 50) * interval '1 minute' end,
               case when n % 4 = 0 then o.at + interval '45 minutes' end, o.at
          from generate_series(1, ${INCIDENTS}) n
          cross join lateral (select 1 + (n * 7919) % ${RESIDENTS} as r) rr(r)
          cross join lateral (select timestamptz '${YEAR_START}' + random() * interval '365 days' + n * interval '0 seconds' as at) o
          cross join lateral (select (array['fall', 'sos', 'smoke', 'low_battery'])[1 + n % 4] as type,
                                     (array['P1', 'P1', 'P1', 'P3'])[1 + n % 4] as priority) t;
      insert into visits (id, resident_id, due_date, status, visited_at, outcome)
        select 'v' || i || '-' || m, 'r' || i, (date '2025-01-01' + (m * interval '1 month') + interval '27 days')::date,
               case when random() < 0.9 then 'done' else 'planned' end, null, null
          from generate_series(1, ${RESIDENTS}) i, generate_series(0, 11) m where i % 5 in (0, 1);
      update visits set visited_at = due_date - interval '3 days', outcome = 'well' where status = 'done';
      analyze;
    `)
  })
  const counts = (await db.query<Record<string, string>>(`select (select count(*) from residents) as residents, (select count(*) from devices) as devices,
      (select count(*) from incidents) as incidents, (select count(*) from visits) as visits`)).rows[0]
  console.log(`database: ${db.kind}; seeded ${counts.residents} residents, ${counts.devices} devices, ${counts.incidents} incidents, ${counts.visits} visits in ${(seedMs / 1000).toFixed(1)} s`)

  const scopes = [
    { label: 'city (10,000 residents)', area: { id: 'city', name: '市', path: '/city/' } },
    { label: 'district (~1,000)', area: { id: 'd1', name: '区1', path: '/city/d1/' } },
    { label: 'community (~50)', area: { id: 'c1', name: '社区1', path: '/city/d1/s1/c1/' } }
  ]
  const periods = [
    { label: 'year', from: new Date(YEAR_START), to: NOW },
    { label: 'month', from: new Date('2025-12-01T00:00:00Z'), to: NOW }
  ]
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const rows: string[][] = [['scope', 'period', 'incidents', 'median ms', 'min ms', 'max ms']]
  for (const s of scopes) {
    for (const p of periods) {
      const ms: number[] = []
      let total = 0
      await computeReport(db, s.area, p.from, p.to, NOW) // warm-up: plans and caches
      for (let i = 0; i < RUNS; i++) {
        const [r, t] = await time(() => computeReport(db, s.area, p.from, p.to, NOW))
        ms.push(t)
        total = r.incidents.total
      }
      rows.push([s.label, p.label, String(total), median(ms).toFixed(0), Math.min(...ms).toFixed(0), Math.max(...ms).toFixed(0)])
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  for (const r of rows) console.log(r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '))

  // What a fall's statement waits while the city's year report runs (issue 11: a report may not
  // delay an alarm): an alarm-lane statement every 2 ms, idle and during the report.
  const probe = async (during: () => Promise<unknown>): Promise<number[]> => {
    const waits: number[] = []
    let done = false
    const work = during().finally(() => { done = true })
    while (!done) {
      const t = performance.now()
      await db.query('select 1', [], { priority: 'alarm' })
      waits.push(performance.now() - t)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await work
    return waits
  }
  const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]
  const line = (label: string, xs: number[]) => console.log(`${label.padEnd(30)}  ${String(xs.length).padStart(5)}  ${pct(xs, 0.5).toFixed(2).padStart(7)}  ${pct(xs, 0.99).toFixed(2).padStart(7)}  ${Math.max(...xs).toFixed(2).padStart(7)}`)
  console.log(`\nan alarm-lane statement (select 1) every 2 ms    count  p50 ms  p99 ms  max ms`)
  line('idle (for 1 s)', await probe(() => new Promise((resolve) => setTimeout(resolve, 1000))))
  line(`during the city's year report ×${RUNS}`, await probe(async () => { for (let i = 0; i < RUNS; i++) await computeReport(db, scopes[0].area, periods[0].from, periods[0].to, NOW) }))
  // the operators' incident list (GET /api/incidents: 500 by default, 5,000 at most)
  const incidents = new IncidentService(db, () => NOW)
  for (const limit of [500, 5000]) {
    let listed = 0
    const ms: number[] = []
    const waits = await probe(async () => {
      for (let i = 0; i < RUNS; i++) { const [r, t] = await time(() => incidents.list(scopes[0].area.path, 'all', undefined, limit)); listed = r.length; ms.push(t) }
    })
    line(`during the incident list (${listed}) ×${RUNS}`, waits)
    console.log(`${''.padEnd(30)}  the list itself: median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`)
  }
} finally {
  await db.close()
}
