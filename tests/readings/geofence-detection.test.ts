/**
 * geofence_exit on a real database (PGlite) with an injected clock (issue 15): the safe zone from
 * `safe_zones`, the dementia flag from the resident's conditions, positions fed as the gateway does,
 * the alarm written to the inbox with its position, the return inside clearing the episode, and the
 * rule's input surviving a restart of the detector.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { Detector, GatewayStore, type DeviceOwner } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'

const MIN = 60_000
const DAY = Date.UTC(2026, 10, 22, 16, 0, 0) // 2026-11-23 00:00 Asia/Shanghai
const NOON = DAY + 12 * 60 * MIN
const HOME = { lat: 39.915, lng: 116.404 }
const MARKET = { lat: 39.925, lng: 116.404, acc: 15 }

let db: Db
let now = NOON
let det: Detector
const wearable: DeviceOwner = { deviceId: 'w1', type: 'wearable', residentId: 'r1' }

async function newDetector (): Promise<Detector> {
  const d = new Detector({ sql: db, store: new GatewayStore(db), log: pino({ level: 'silent' }), notify: () => {}, now: () => now, tickIntervalMs: 0, stateFlushDelayMs: 0 })
  await d.start()
  return d
}
const tick = async (at: number) => { now = at; await det.tick(); await det.settled() }
async function alarms () {
  await det.settled()
  return (await db.query<{ msg_id: string, device_id: string, payload: any }>(`select msg_id, device_id, payload from inbox where type = 'geofence_exit' order by seq`)).rows
}

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  await db.exec(`
    insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
    insert into sites (id, name, kind, area_id, lat, lng) values ('s1', '家', 'home', 'a1', 39.915, 116.404);
    insert into residents (id, name, site_id, conditions) values ('r1', '陈奶奶', 's1', '["高血压"]');
    insert into devices (id, type, site_id, resident_id, secret_hash) values ('w1', 'wearable', 's1', 'r1', 'x');
    insert into safe_zones (resident_id, zone, grace_s) values ('r1', '{"circle":{"lat":39.915,"lng":116.404,"radiusM":300}}', 300);`)
})
afterAll(async () => { await det?.stop(); await db?.close() })
beforeEach(async () => {
  await det?.stop()
  await db.exec(`delete from inbox; delete from detection_state; update residents set conditions = '["高血压"]'; update safe_zones set schedule = null`)
  now = NOON
  det = await newDetector()
})

describe('geofence_exit on a real database (fake clock)', () => {
  it('outside past the grace raises one P2-severity alarm with the position; back inside clears it; a new excursion is a new alarm', async () => {
    det.onPosition(wearable, NOON, HOME)
    det.onPosition(wearable, NOON + MIN, MARKET)
    await tick(NOON + 4 * MIN)
    expect(await alarms()).toEqual([])
    await tick(NOON + 6 * MIN)
    await tick(NOON + 7 * MIN) // repeats write nothing
    const rows = await alarms()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ msg_id: `derived:geofence_exit:r1:${NOON + 6 * MIN}`, device_id: 'w1' })
    expect(rows[0]!.payload).toMatchObject({
      rule: 'geofence_exit', severity: 'medium', residentId: 'r1',
      position: { lat: MARKET.lat, lng: MARKET.lng, acc: 15, at: NOON + MIN }, outsideSince: NOON + MIN, graceS: 300, dementia: false
    })

    det.onPosition(wearable, NOON + 8 * MIN, HOME) // this process holds the clock: cleared at once
    expect(det.state.get('r1', 'geofence_exit').active).toBeUndefined()
    det.onPosition(wearable, NOON + 20 * MIN, MARKET)
    await tick(NOON + 26 * MIN)
    expect((await alarms()).map((r) => r.msg_id)).toEqual([`derived:geofence_exit:r1:${NOON + 6 * MIN}`, `derived:geofence_exit:r1:${NOON + 25 * MIN}`])
  })

  it('a brief excursion below the grace raises nothing', async () => {
    det.onPosition(wearable, NOON, MARKET)
    await tick(NOON + 3 * MIN)
    det.onPosition(wearable, NOON + 4 * MIN, HOME)
    await tick(NOON + 30 * MIN)
    expect(await alarms()).toEqual([])
  })

  it('a resident flagged with dementia (认知障碍 in the conditions) gets a high-severity alarm', async () => {
    await db.query(`update residents set conditions = '["轻度认知障碍"]' where id = 'r1'`)
    await det.reloadSafeZone('r1')
    det.onPosition(wearable, NOON, MARKET)
    await tick(NOON + 5 * MIN)
    expect((await alarms())[0]!.payload).toMatchObject({ severity: 'high', dementia: true })
  })

  it('a schedule (night only) keeps a day excursion quiet', async () => {
    await db.query(`update safe_zones set schedule = '{"start":"20:00","end":"07:00"}' where resident_id = 'r1'`)
    await det.reloadSafeZone('r1')
    det.onPosition(wearable, NOON, MARKET)
    await tick(NOON + 60 * MIN)
    expect(await alarms()).toEqual([])
    await tick(DAY + 20 * 60 * MIN + 5 * MIN)
    expect(await alarms()).toHaveLength(1)
  })

  it('leaving is written at once: a restarted detector still counts the excursion from when it began', async () => {
    det.onPosition(wearable, NOON, MARKET)
    await tick(NOON + MIN) // writes changed state
    await det.stop()
    det = await newDetector()
    await tick(NOON + 5 * MIN)
    expect((await alarms()).map((r) => r.msg_id)).toEqual([`derived:geofence_exit:r1:${NOON + 5 * MIN}`])
  })
})
