/**
 * PositionService on PGlite (issue 15): the position an alarm opens with (the event's geo in its
 * crs, else the last known one when recent enough), and open incidents following fresher
 * positions — heard (embedded) or from the coarse copy (scaled mode) — with a geofence_exit
 * incident's return inside on its timeline.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SqlTrackStore } from '@eldercare/readings'
import { fromWgs84 } from '@eldercare/protocols'
import { openDb, type Db, type Queryable } from '../src/db/db.ts'
import { migrate } from '../src/db/migrate.ts'
import { PositionService } from '../src/features/positions/service.ts'

const NOW = Date.UTC(2026, 10, 23, 4, 0)
const HOME = { lat: 39.915, lng: 116.404 }
const MARKET = { lat: 39.925, lng: 116.404 }
let db: Db
let svc: PositionService
const timeline: Array<{ id: string, kind: string }> = []
const addTimeline = async (_tx: Queryable, id: string, kind: string) => { timeline.push({ id, kind }) }

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  await db.exec(`
    insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
    insert into sites (id, name, kind, area_id, lat, lng) values ('s1', '家', 'home', 'a1', 39.915, 116.404);
    insert into residents (id, name, site_id) values ('r1', '陈奶奶', 's1');
    insert into devices (id, type, site_id, resident_id, secret_hash) values ('w1', 'wearable', 's1', 'r1', 'x');
    insert into safe_zones (resident_id, zone, grace_s) values ('r1', '{"circle":{"lat":39.915,"lng":116.404,"radiusM":300}}', 300);`)
  svc = new PositionService(db, { track: new SqlTrackStore(db), now: () => NOW })
})
afterAll(async () => { await db?.close() })
beforeEach(async () => {
  timeline.length = 0
  await db.exec('delete from positions_last; delete from incidents;')
})

const openIncident = (id: string, type: string, position: object) => db.query(
  `insert into incidents (id, type, priority, status, resident_id, site_id, area_id, device_id, opened_at, updated_at, position)
   values ($1, $2, 'P2', 'open', 'r1', 's1', 'a1', 'w1', now(), now(), $3)`, [id, type, JSON.stringify(position)])

describe('PositionService (issue 15)', () => {
  it('an event geo in GCJ-02 becomes the incident position in WGS-84, source event', async () => {
    const g = fromWgs84(MARKET, 'gcj02')
    const p = await svc.forAlarm(db, { kind: 'event', payload: { type: 'fall', geo: { ...g, acc: 8, crs: 'gcj02' } }, deviceId: 'w1', residentId: 'r1', at: new Date(NOW) })
    expect(p).toMatchObject({ acc: 8, source: 'event', at: new Date(NOW).toISOString() })
    expect(p!.lat).toBeCloseTo(MARKET.lat, 7)
    expect(p!.lng).toBeCloseTo(MARKET.lng, 7)
  })

  it('without geo: the last known position when no older than 10 min, else none', async () => {
    await db.query(`insert into positions_last (device_id, resident_id, lat, lng, acc, at, source) values ('w1', 'r1', 39.92, 116.41, 12, $1, 'telemetry')`, [new Date(NOW - 9 * 60_000)])
    expect(await svc.forAlarm(db, { kind: 'event', payload: {}, deviceId: 'w1', residentId: 'r1', at: new Date(NOW) })).toMatchObject({ lat: 39.92, lng: 116.41, acc: 12, source: 'telemetry' })
    expect(await svc.forAlarm(db, { kind: 'event', payload: {}, deviceId: 'w1', residentId: 'r1', at: new Date(NOW + 2 * 60_000) })).toBeNull()
  })

  it('scaled mode: an open geofence_exit incident follows positions_last; back inside goes on its timeline; a stale row changes nothing', async () => {
    await openIncident('i1', 'geofence_exit', { ...MARKET, acc: 10, at: new Date(NOW - 60_000).toISOString(), source: 'telemetry' })
    await db.query(`insert into positions_last (device_id, resident_id, lat, lng, acc, at, source) values ('w1', 'r1', $1, $2, 10, $3, 'telemetry')`, [HOME.lat, HOME.lng, new Date(NOW)])
    expect(await svc.followStored(addTimeline)).toEqual(['i1'])
    const { rows } = await db.query<{ position: any }>(`select position from incidents where id = 'i1'`)
    expect(rows[0]!.position).toMatchObject({ lat: HOME.lat, lng: HOME.lng, at: new Date(NOW).toISOString() })
    expect(timeline).toEqual([{ id: 'i1', kind: 'returned_inside' }])
    expect(await svc.followStored(addTimeline)).toEqual([]) // nothing fresher now
  })

  it('the track endpoint\'s query: a day of fixes every 30 s comes back as at most 500 points, oldest first, the newest kept', async () => {
    await db.exec("delete from position_track where resident_id = 'r1'")
    const from = NOW - 24 * 3600_000
    const n = 2880
    await db.query(
      `insert into position_track (resident_id, device_id, ts, lat, lng, acc, source)
       select 'r1', 'w1', to_timestamp(($1::float8 + g * 30000) / 1000), 39.9 + g * 0.00001, 116.4, 10, 'telemetry' from generate_series(0, $2::int - 1) g`, [from, n])
    const items = await svc.track('r1', from, NOW)
    expect(items.length).toBeLessThanOrEqual(500)
    expect(items.length).toBeGreaterThan(450) // downsampled, not cut short: the whole day is there
    expect(items.map((i) => i.at)).toEqual([...items.map((i) => i.at)].sort((a, b) => a - b))
    expect(items[0]!.at).toBeLessThan(from + 5 * 60_000)
    expect(items.at(-1)).toMatchObject({ at: from + (n - 1) * 30_000 }) // the last fix of the last step
    // a short range is not thinned below one point a second
    expect(await svc.track('r1', NOW - 60_000, NOW)).toHaveLength(2)
  })
})
