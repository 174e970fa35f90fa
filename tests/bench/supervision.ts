/**
 * City-scale benchmark of the supervision figures (issue 16; npm run bench:supervision). Seeds a
 * city under the installation's root area — 10 districts × 10 streets × 10 communities, ~100,000
 * residents in ~66,700 homes of which 10,000 are family care beds, ~2,700 community facilities,
 * a device per resident, a year (2025) of monthly visits (~700,000) to the residents of the
 * plans' groups, ~70,000 capacity assessments, statuses changing during the year, 20,000
 * incidents — and times, through the REST API a supervisor uses, on PGlite and on PostgreSQL 15:
 *
 *   population report (city, district, community), visit coverage of a month, the assessment due
 *   list, one month's statement, and (with --all) the monthly job generating every area's.
 *
 *   npm run bench:supervision [-- --residents 100000 --beds 10000 --runs 3 --db both|pglite|postgres --all]
 *
 * Prints one line per operation and database (median and max of --runs, ms; and how long a fall's
 * statement — an alarm-lane `select 1` every 2 ms — waited meanwhile, p99 and max) and a JSON line.
 * A command, not a test: the figures go to docs/benchmarks.md with the load average they were taken at.
 */
import { loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { generateMonthlyStatements, vacuumPass } from '@eldercare/platform'
import { startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { probeAlarmLane, spread } from './alarm-lane-probe.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

// Run as a command it reads its options; imported (bench:vacuum seeds the same city) it keeps the defaults.
const asCommand = import.meta.url === pathToFileURL(process.argv[1] ?? '').href
const { values } = parseArgs({
  args: asCommand ? process.argv.slice(2) : [],
  options: {
    residents: { type: 'string', default: '100000' },
    beds: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    db: { type: 'string', default: 'both' },
    all: { type: 'boolean', default: false }
  }
})
const N = Number(values.residents)
const BEDS = Number(values.beds)
const RUNS = Number(values.runs)
const HOMES = Math.ceil(N / 1.5)
const COMMUNITIES = 1000
if (!(N >= 1000) || !(BEDS >= 0 && BEDS <= HOMES) || !(RUNS >= 1) || !['both', 'pglite', 'postgres'].includes(String(values.db))) {
  console.error('usage: --residents N (≥ 1000) --beds B (≤ N/1.5) --runs R (≥ 1) --db both|pglite|postgres [--all]')
  process.exit(2)
}

// The supervisor looks at 2025 on 10 January 2026 (Asia/Shanghai, the default service time zone).
const NOW = Date.parse('2026-01-10T02:00:00Z')

/**
 * The city, as set-based SQL (one statement per table), under the installation's root area
 * `root`: `residents` (default --residents) of whom `beds` (default --beds) have a family care bed.
 * No random(): the same SQL seeds the same city on every engine. Ends with `analyze` (the
 * statistics a deployment has after its first maintenance pass) unless `analyze` is false.
 */
export function seedSql (root: { id: string, path: string }, size: { residents: number, beds: number } = { residents: N, beds: BEDS }, { analyze = true } = {}): string {
  const N = size.residents
  const BEDS = size.beds
  const HOMES = Math.ceil(N / 1.5)
  const community = (i: string) => `'bc' || ((${i} - 1) % ${COMMUNITIES} + 1)`
  return `
    insert into areas (id, name, level, parent_id, path)
      select 'bd' || d, '区' || d, 'district', '${root.id}', '${root.path}bd' || d || '/' from generate_series(1, 10) d;
    insert into areas (id, name, level, parent_id, path)
      select 'bs' || s, '街道' || s, 'street', 'bd' || ((s - 1) / 10 + 1), '${root.path}bd' || ((s - 1) / 10 + 1) || '/bs' || s || '/' from generate_series(1, 100) s;
    insert into areas (id, name, level, parent_id, path)
      select 'bc' || c, '社区' || c, 'community', 'bs' || ((c - 1) / 10 + 1),
             '${root.path}bd' || ((c - 1) / 100 + 1) || '/bs' || ((c - 1) / 10 + 1) || '/bc' || c || '/' from generate_series(1, ${COMMUNITIES}) c;
    insert into sites (id, name, kind, area_id, family_bed_type, family_bed_provider, family_bed_since)
      select 'bh' || h, '家' || h, 'home', ${community('h')},
             case when h <= ${BEDS} then (array['nursing', 'inclusive', 'safety_net'])[h % 3 + 1] end,
             case when h <= ${BEDS} then '服务商' || (h % 20) end,
             case when h <= ${BEDS} then date '2025-01-01' + (h % 365) end
        from generate_series(1, ${HOMES}) h;
    insert into sites (id, name, kind, area_id)
      select 'bf' || c || k.kind, k.kind || c, k.kind, 'bc' || c from generate_series(1, ${COMMUNITIES}) c,
        (values ('service_station', 1), ('meal_point', 1), ('day_care', 2), ('happiness_home', 3), ('institution', 10)) k(kind, every)
       where c % k.every = 0;
    insert into residents (id, name, site_id, birth_date, capacity_level, lives_alone, flags, status, status_since, created_at)
      select 'br' || i, '居民' || i, 'bh' || ((i - 1) % ${HOMES} + 1), date '1926-01-01' + (i * 7919 % 14600), (i * 31) % 5, i % 100 < 15,
             to_jsonb(array_remove(array[
               case when i % 100 < 15 then 'lives_alone' end, case when i % 100 between 15 and 34 then 'empty_nest' end,
               case when i % 100 between 35 and 39 then 'left_behind' end, case when i % 33 = 0 then 'severely_handicapped' end,
               case when i % 20 = 1 then 'special_difficulty' end, case when i % 97 = 2 then 'family_planning_special' end], null)),
             case when i % 50 = 0 then 'deceased' when i % 50 = 1 then 'in_hospital' when i % 100 = 2 then 'moved_out' else 'active' end,
             case when i % 50 in (0, 1) or i % 100 = 2 then timestamptz '2025-01-15 00:00+08' + ((i % 12) || ' months')::interval else timestamptz '2024-06-01 00:00+08' end,
             timestamptz '2024-06-01 00:00+08'
        from generate_series(1, ${N}) i;
    insert into resident_status_history (resident_id, status, since, recorded_by)
      select id, status, status_since, 'bench' from residents where id like 'br%' and status <> 'active';
    insert into devices (id, type, site_id, resident_id, secret_hash, online)
      select 'bdev' || i, 'fall_detector', 'bh' || ((i - 1) % ${HOMES} + 1), 'br' || i, 'x', true from generate_series(1, ${N}) i;
    insert into assessments (id, resident_id, assessed_at, assessor_name, scores, indicator_totals, total, preliminary_level, level, reassessment_due_at, recorded_by)
      select 'ba' || i, 'br' || i, timestamptz '2025-01-05 10:00+08' + ((i % 360) || ' days')::interval, '评估员', '{}', '{}', 60, (i * 31) % 5, (i * 31) % 5,
             timestamptz '2026-01-05 10:00+08' + ((i % 360) || ' days')::interval, 'bench'
        from generate_series(1, ${N}) i where i % 10 < 7;
    insert into visits (id, resident_id, due_date, status, visited_at, outcome, method)
      select 'bv' || r.n || '-' || m, r.id, make_date(2025, m, r.n % 28 + 1), 'done',
             make_timestamptz(2025, m, r.n % 28 + 1, 10, 0, 0, 'Asia/Shanghai'), 'well', (array['home', 'phone', 'video_call'])[(r.n + m) % 3 + 1]
        from (select id, substr(id, 3)::int as n from residents where id like 'br%' and (flags <> '[]'::jsonb or capacity_level >= 2)) r,
             generate_series(1, 12) m
       where (r.n + m) % 10 <> 0;
    -- a year past: recorded and announced then (an unannounced opening would be announced again now, migration 0017)
    insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, acknowledged_at, resolved_at, outcome, updated_at, recorded_at, announced_at)
      select 'binc' || k, 'fall', 'P1', 'resolved', 'br' || (k * 5), s.id, s.area_id, 1, o.at, o.at + interval '60 seconds',
             o.at + ((k % 90) || ' seconds')::interval, o.at + interval '20 minutes', 'responder_no_injury', o.at + interval '20 minutes', o.at, o.at
        from generate_series(1, ${Math.floor(N / 5)}) k
        cross join lateral (select timestamptz '2025-01-01 00:00+08' + ((k * 1777 % 525600) || ' minutes')::interval as at) o
        join residents r on r.id = 'br' || (k * 5) join sites s on s.id = r.site_id;
    ${analyze ? 'analyze;' : ''}
  `
}

interface Figure { op: string, db: string, medianMs: number, maxMs: number, runs: number, note?: string, alarmWaitP99Ms?: number, alarmWaitMaxMs?: number }

/**
 * Runs `what` `runs` times while a fall's statement (an alarm-lane `select 1`, every 2 ms) waits
 * its turn beside it (issue 11: no report may hold what an alarm's insert waits for).
 */
async function timeRuns (db: TestPlatform['db'], what: () => Promise<unknown>, runs: number): Promise<{ medianMs: number, maxMs: number, last: unknown, waitP99Ms: number, waitMaxMs: number }> {
  const times: number[] = []
  let last: unknown
  const probe = probeAlarmLane(db)
  let waits: number[]
  try {
    for (let r = 0; r < runs; r++) {
      const t = performance.now()
      last = await what()
      times.push(performance.now() - t)
    }
  } finally {
    waits = await probe.stop()
  }
  times.sort((a, b) => a - b)
  const w = spread(waits)
  return {
    medianMs: Math.round(times[Math.floor(times.length / 2)]!), maxMs: Math.round(times[times.length - 1]!), last,
    waitP99Ms: Math.round(w.p99 * 10) / 10, waitMaxMs: Math.round(w.max * 10) / 10
  }
}

async function benchOn (name: string, p: TestPlatform): Promise<Figure[]> {
  const api = p.api
  await api.login()
  const { rows } = await p.db.query<{ id: string, path: string }>('select id, path from areas where parent_id is null')
  const root = rows[0]!
  const t0 = performance.now()
  // PGlite's statistics are what the embedded platform's first maintenance pass gathers (PostgreSQL's, autovacuum's)
  await p.db.exec(seedSql(root, undefined, { analyze: p.db.kind !== 'pglite' }))
  if (p.db.kind === 'pglite') {
    const pass = await vacuumPass(p.db)
    console.log(`${name}: first maintenance pass, ${pass.tables} tables vacuumed and ${pass.analyzed} analyzed in ${Math.round(pass.ms)} ms`)
  }
  const seedMs = Math.round(performance.now() - t0)
  const counts = await p.db.query<Record<string, string>>(`select (select count(*) from residents) as residents, (select count(*) from visits) as visits,
    (select count(*) from assessments) as assessments, (select count(*) from sites where family_bed_type is not null) as beds, (select count(*) from areas) as areas`)
  const c = counts.rows[0]!
  console.log(`${name}: seeded ${c.residents} residents, ${c.visits} visits, ${c.assessments} assessments, ${c.beds} family beds, ${c.areas} areas in ${(seedMs / 1000).toFixed(1)} s`)
  const figures: Figure[] = [{ op: 'seed', db: name, medianMs: seedMs, maxMs: seedMs, runs: 1 }]
  const run = async (op: string, what: () => Promise<unknown>, note?: (last: any) => string) => {
    const r = await timeRuns(p.db, what, RUNS)
    const f: Figure = { op, db: name, medianMs: r.medianMs, maxMs: r.maxMs, runs: RUNS, alarmWaitP99Ms: r.waitP99Ms, alarmWaitMaxMs: r.waitMaxMs, ...(note ? { note: note(r.last) } : {}) }
    figures.push(f)
    console.log(`${name.padEnd(12)} ${op.padEnd(34)} median ${String(f.medianMs).padStart(7)} ms   max ${String(f.maxMs).padStart(7)} ms   alarm-lane wait p99 ${String(r.waitP99Ms).padStart(7)} / max ${String(r.waitMaxMs).padStart(7)} ms${f.note ? `   (${f.note})` : ''}`)
  }
  await run('population report · city', () => api.get(`/api/reports/population?areaId=${root.id}&date=2025-12-31`), (r) => `${r.total} residents, ${r.familyBeds.total} beds`)
  await run('population report · district', () => api.get('/api/reports/population?areaId=bd3&date=2025-12-31'), (r) => `${r.total} residents`)
  await run('population report · community', () => api.get('/api/reports/population?areaId=bc345&date=2025-12-31'), (r) => `${r.total} residents`)
  await run('visit coverage · city · month', () => api.get(`/api/reports/visit-coverage?areaId=${root.id}&month=2025-12`), (r) => `${r.visited}/${r.due} visited`)
  await run('visit coverage · community · month', () => api.get('/api/reports/visit-coverage?areaId=bc345&month=2025-12'), (r) => `${r.visited}/${r.due} visited`)
  await run('assessment due list · city', () => api.get(`/api/assessments/due?areaId=${root.id}`), (r) => `${r.items.length} due or overdue`)
  await run('assessment due list · district', () => api.get('/api/assessments/due?areaId=bd3'), (r) => `${r.items.length} due or overdue`)
  await run('statement · city · month', () => api.post('/api/statements', { areaId: root.id, month: '2025-12', reason: 'benchmark run' }))
  await run('statement · community · month', () => api.post('/api/statements', { areaId: 'bc345', month: '2025-12', reason: 'benchmark run' }))
  if (values.all) {
    const t = performance.now()
    const made = await generateMonthlyStatements(p.app, NOW, 'Asia/Shanghai')
    const ms = Math.round(performance.now() - t)
    figures.push({ op: 'monthly job · every area', db: name, medianMs: ms, maxMs: ms, runs: 1, note: `${made} statements` })
    console.log(`${name.padEnd(12)} ${'monthly job · every area'.padEnd(34)} ${ms} ms (${made} statements)`)
  }
  return figures
}

// Run as a command; imported (e.g. to EXPLAIN a query on the same city) it only offers seedSql.
if (asCommand) await main()

async function main (): Promise<void> {
  const appOptions = { app: { now: () => NOW, statementJobMs: 0, response: { autoTick: false } } }
  const figures: Figure[] = []
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${N} residents, ${BEDS} family beds, ${RUNS} runs`)
  if (values.db !== 'postgres') {
    const p = await startTestPlatform({}, appOptions)
    try { figures.push(...await benchOn('PGlite', p)) } finally { await p.close() }
  }
  if (values.db !== 'pglite') {
    if (!needsPostgres().ok) {
      console.error('PostgreSQL 15 is not installed here (apt-get install postgresql): skipped')
    } else {
      const pg: PostgresServer = await startPostgres()
      try {
        const p = await startTestPlatform({ DATABASE_URL: await pg.createDatabase('bench_supervision') }, appOptions)
        try { figures.push(...await benchOn('PostgreSQL', p)) } finally { await p.close() }
      } finally {
        await pg.stop()
      }
    }
  }
  console.log(JSON.stringify({ bench: 'supervision', residents: N, beds: BEDS, runs: RUNS, load: loadavg()[0], figures }))
}
