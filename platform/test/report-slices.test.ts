/**
 * The supervision report read in slices (issue 11): on the embedded database a statement holds
 * the one worker every alarm's insert waits for, so computeReport reads the period a few days of
 * incidents at a time and adds the figures up. These tests hold the sliced report to the one read
 * in one statement per figure — every figure, in two time zones (one with a daylight-saving
 * change inside the period), for the city and a district — and its percentiles to PostgreSQL's
 * own percentile_cont. Real PGlite; a year of incidents with a burst day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../src/db/db.ts'
import { migrate } from '../src/db/migrate.ts'
import { computeReport, percentileCont } from '../src/features/reports/service.ts'

const NOW = new Date('2026-01-01T00:00:00Z')
const FROM = new Date('2025-01-01T00:00:00Z')
const CITY = { id: 'city', name: '市', path: '/city/' }
const DISTRICT = { id: 'd2', name: '区2', path: '/city/d2/' }
let db: Db

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  await db.query('select setseed(0.42)')
  await db.exec(`
    insert into areas (id, name, level, parent_id, path) values ('city', '市', 'city', null, '/city/');
    insert into areas (id, name, level, parent_id, path) select 'd' || i, '区' || i, 'district', 'city', '/city/d' || i || '/' from generate_series(1, 3) i;
    insert into areas (id, name, level, parent_id, path)
      select 'c' || i, '社区' || i, 'community', 'd' || (i % 3 + 1), '/city/d' || (i % 3 + 1) || '/c' || i || '/' from generate_series(1, 12) i;
    insert into sites (id, name, kind, area_id) select 's' || i, '家' || i, 'home', 'c' || (i % 12 + 1) from generate_series(1, 120) i;
    -- an incident of the city's own area (no community): counted under the city in byArea
    insert into sites (id, name, kind, area_id) values ('s0', '市中心', 'institution', 'city');
    insert into residents (id, name, site_id, capacity_level, lives_alone, flags, created_at)
      select 'r' || i, '居民' || i, 's' || i, i % 5, i % 4 = 0, case when i % 3 = 0 then '["empty_nest"]' else '[]' end::jsonb, '2024-06-01'
        from generate_series(1, 120) i;
    insert into devices (id, type, site_id, resident_id, secret_hash, online, battery, last_seen_at)
      select 'dev' || i, 'fall_detector', 's' || i, 'r' || i, 'x', i % 7 <> 0, (i % 100)::real, timestamptz '2025-12-31' - (i % 50) * interval '1 hour'
        from generate_series(1, 120) i;
    insert into visits (id, resident_id, due_date, status, visited_at, outcome)
      select 'v' || i || '-' || m, 'r' || i, (date '2025-01-01' + m * interval '1 month' + interval '20 days')::date,
             case when (i + m) % 4 = 0 then 'planned' else 'done' end, null, null
        from generate_series(1, 120) i, generate_series(0, 11) m where i % 4 = 0 or i % 3 = 0;
    update visits set visited_at = due_date - interval '2 days', outcome = 'well' where status = 'done';
  `)
  // 1,500 incidents over the year, and 300 more on one day (a storm: a slice of one day holds them)
  await db.exec(`
    insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at,
                           acknowledged_at, resolved_at, outcome, dispatched_at, on_scene_at, on_scene_due_at, updated_at, ack_breached)
      select 'inc' || n, (array['fall', 'sos', 'smoke', 'wander'])[1 + n % 4], (array['P1', 'P2', 'P1', 'P3'])[1 + n % 4],
             case when n % 9 = 0 then 'closed_false_alarm' when n % 13 = 0 and n > 1750 then 'open' else 'resolved' end,
             case when n % 17 = 0 then null else 'r' || r end, case when n % 17 = 0 then 's0' else 's' || r end,
             case when n % 17 = 0 then 'city' else 'c' || (r % 12 + 1) end, 1 + n % 3, o.at, o.at + interval '60 seconds',
             case when n % 11 = 0 then null else o.at + (1 + random() * 400) * interval '1 second' end,
             case when n % 13 = 0 and n > 1750 then null else o.at + interval '3 hours' end,
             case when n % 9 = 0 then 'false_alarm_device' when n % 13 = 0 then null else 'handled_by_call' end,
             case when n % 3 = 0 then o.at + interval '3 minutes' end,
             case when n % 3 = 0 and n % 6 <> 0 then o.at + (10 + random() * 60) * interval '1 minute' end,
             case when n % 3 = 0 then o.at + interval '45 minutes' end, o.at, n % 29 = 0
        from generate_series(1, 1800) n
        cross join lateral (select 1 + (n * 37) % 120 as r) rr(r)
        cross join lateral (select case when n > 1500 then timestamptz '2025-07-14 09:00:00+08' + random() * interval '10 hours'
                                        else timestamptz '2025-01-01' + random() * interval '365 days' end as at) o;
    analyze;
  `)
})
afterAll(async () => { await db?.close() })

describe('the report read in slices', () => {
  for (const timeZone of ['Asia/Shanghai', 'America/New_York']) {
    for (const area of [CITY, DISTRICT]) {
      it(`${area.name}, ${timeZone}: every figure as read in one statement each, from many slices`, async () => {
        const whole = await computeReport(db, area, FROM, NOW, NOW, { timeZone, sliced: false, onSlices: (n) => expect(n).toBe(1) })
        let slices = 0
        const sliced = await computeReport(db, area, FROM, NOW, NOW, { timeZone, sliced: true, sliceIncidents: 20, onSlices: (n) => { slices = n } })
        expect(sliced).toEqual(whole)
        // the data set is what the comparison needs: incidents across the year in many slices,
        // percentiles, days, child areas, months
        expect(slices).toBeGreaterThan(area === CITY ? 40 : 10)
        expect(whole.incidents.total).toBeGreaterThan(area === CITY ? 1700 : 400)
        expect(whole.incidents.byDay.length).toBeGreaterThan(area === CITY ? 300 : 150)
        expect(whole.incidents.byArea.length).toBe(area === CITY ? 4 : 4) // the city: three districts and itself; a district: its communities
        expect(whole.acknowledge.p90Seconds).not.toBeNull()
        if (area === CITY) expect(whole.onScene.p50Seconds).not.toBeNull()
        expect(whole.visits.coverage.length).toBeGreaterThanOrEqual(12)
      })
    }
  }

  it('a period that starts and ends inside a day, sliced with the default size, still matches', async () => {
    const from = new Date('2025-07-14T03:17:00Z')
    const to = new Date('2025-08-02T15:40:00Z')
    const whole = await computeReport(db, CITY, from, to, NOW, { sliced: false })
    let slices = 0
    expect(await computeReport(db, CITY, from, to, NOW, { sliced: true, onSlices: (n) => { slices = n } })).toEqual(whole)
    expect(slices).toBeGreaterThan(1)
    expect(whole.incidents.total).toBeGreaterThan(200) // most of the storm day is inside
  })

  it('the embedded database reads in slices by default', async () => {
    let slices = 0
    await computeReport(db, CITY, FROM, NOW, NOW, { sliceIncidents: 100, onSlices: (n) => { slices = n } })
    expect(slices).toBeGreaterThan(5)
  })

  it('acknowledgement and on-scene percentiles are PostgreSQL\'s percentile_cont over the same incidents', async () => {
    const r = await computeReport(db, CITY, FROM, NOW, NOW, { sliced: true, sliceIncidents: 50 })
    const { rows: [pg] } = await db.query<{ ack: number[], scene: number }>(`
      select percentile_cont(array[0.5, 0.9, 0.99]) within group (order by extract(epoch from acknowledged_at - opened_at)) as ack,
             percentile_cont(0.5) within group (order by extract(epoch from on_scene_at - opened_at)) as scene
        from incidents where opened_at >= $1 and opened_at < $2`, [FROM, NOW])
    expect([r.acknowledge.p50Seconds, r.acknowledge.p90Seconds, r.acknowledge.p99Seconds]).toEqual(pg.ack)
    expect(r.onScene.p50Seconds).toBe(pg.scene)
  })
})

describe('percentileCont', () => {
  it('interpolates as PostgreSQL does, and has nothing to say of nothing', () => {
    expect(percentileCont([], 0.5)).toBeNull()
    expect(percentileCont([7], 0.99)).toBe(7)
    expect(percentileCont([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(percentileCont([10, 20], 0.9)).toBe(19)
    expect(percentileCont([1, 2, 3], 1)).toBe(3)
    expect(percentileCont([1, 2, 3], 0)).toBe(1)
  })
})
