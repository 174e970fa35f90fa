/**
 * The detection rules on a real database (PGlite) with an injected clock — no sleeping: each rule
 * fires into the inbox as a derived alarm, a repeat updates the episode instead of adding a row,
 * and the alarm clears when the condition ends.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { Detector, GatewayStore, type DeviceOwner, type Sample } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'

const SEC = 1000
const MIN = 60 * SEC
const HOUR = 60 * MIN
/** 2026-11-23 00:00 in Asia/Shanghai (UTC+8), the default resident time zone. */
const DAY = Date.UTC(2026, 10, 22, 16, 0, 0)
const local = (h: number, m = 0) => DAY + h * HOUR + m * MIN

let db: Db
let now = DAY
let det: Detector
const notices: unknown[] = []
const wearable: DeviceOwner = { deviceId: 'w1', type: 'wearable', residentId: 'r1' }
const bed: DeviceOwner = { deviceId: 'bed1', type: 'bed_sensor', residentId: 'r1' }
const fall: DeviceOwner = { deviceId: 'f1', type: 'fall_detector', residentId: 'r1' }

async function newDetector (): Promise<Detector> {
  const d = new Detector({ sql: db, store: new GatewayStore(db), log: pino({ level: 'silent' }), notify: (n) => notices.push(n), now: () => now, tickIntervalMs: 0 })
  await d.start()
  return d
}
async function derived (rule?: string) {
  await det.settled()
  const { rows } = await db.query<{ msg_id: string, type: string, device_id: string, payload: any }>(
    `select msg_id, type, device_id, payload from inbox where kind = 'derived' ${rule ? 'and type = $1' : ''} order by seq`, rule ? [rule] : [])
  return rows
}
const feed = (owner: DeviceOwner, samples: Array<[number, Sample['fields']]>) => det.onSamples(owner, samples.map(([ts, fields]) => ({ ts, fields })))
const tick = async (at: number) => { now = at; await det.tick(); await det.settled() }

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  await db.exec(`
    insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
    insert into sites (id, name, kind, area_id) values ('s1', '家', 'home', 'a1');
    insert into residents (id, name, site_id) values ('r1', '王奶奶', 's1');
    insert into devices (id, type, site_id, resident_id, secret_hash) values
      ('w1', 'wearable', 's1', 'r1', 'x'), ('bed1', 'bed_sensor', 's1', 'r1', 'x'), ('f1', 'fall_detector', 's1', 'r1', 'x');`)
})
afterAll(async () => { await det?.stop(); await db?.close() })
beforeEach(async () => {
  await det?.stop()
  await db.exec(`delete from inbox; delete from detection_state; delete from detection_settings;
    update devices set online = false, last_seen_at = null, battery = null;`)
  notices.length = 0
  now = DAY
  det = await newDetector()
})

describe('thresholds with duration', () => {
  it('hr > 120 for 2 min fires once per episode, repeats update it, a normal reading clears it', async () => {
    const t0 = local(10)
    feed(wearable, [[t0, { hr: 130 }], [t0 + MIN, { hr: 128 }]])
    expect(await derived()).toEqual([])
    feed(wearable, [[t0 + 2 * MIN, { hr: 131 }]])
    const rows = await derived('hr_high')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ msg_id: `derived:hr_high:r1:${t0 + 2 * MIN}`, device_id: 'w1' })
    expect(rows[0]!.payload).toEqual({ rule: 'hr_high', severity: 'medium', residentId: 'r1', at: t0 + 2 * MIN, vital: 'hr', value: 131, threshold: 120, durationMs: 120_000 })
    expect(notices).toEqual([{ deviceId: 'w1', msgId: `derived:hr_high:r1:${t0 + 2 * MIN}`, kind: 'derived', type: 'hr_high' }])

    feed(wearable, [[t0 + 3 * MIN, { hr: 135 }]]) // same episode: updated, not duplicated
    expect(await derived('hr_high')).toHaveLength(1)
    expect(det.state.get('r1', 'hr_high').active).toMatchObject({ start: t0 + 2 * MIN, repeats: 1, lastAt: t0 + 3 * MIN })

    feed(wearable, [[t0 + 4 * MIN, { hr: 80 }]])
    expect(det.state.get('r1', 'hr_high').active).toBeUndefined()
    feed(wearable, [[t0 + 5 * MIN, { hr: 125 }], [t0 + 7 * MIN, { hr: 126 }]]) // a new episode is a new row
    expect((await derived('hr_high')).map((r) => r.msg_id)).toEqual([`derived:hr_high:r1:${t0 + 2 * MIN}`, `derived:hr_high:r1:${t0 + 7 * MIN}`])
  })

  it('a gap in readings longer than 5 min restarts the duration', async () => {
    const t0 = local(10)
    feed(wearable, [[t0, { hr: 130 }], [t0 + 6 * MIN, { hr: 130 }], [t0 + 7 * MIN, { hr: 130 }]])
    expect(await derived()).toEqual([])
    feed(wearable, [[t0 + 8 * MIN, { hr: 130 }]])
    expect(await derived('hr_high')).toHaveLength(1)
  })

  it('hr < 40 for 2 min is hr_low, high severity at 30 or below', async () => {
    const t0 = local(10)
    feed(wearable, [[t0, { hr: 28 }], [t0 + 2 * MIN, { hr: 29 }]])
    expect((await derived('hr_low'))[0]!.payload).toMatchObject({ severity: 'high', value: 29, threshold: 40 })
  })

  it('SpO2 < 90 for 1 min, and temperature ≥ 38.5 at once', async () => {
    const t0 = local(10)
    feed(wearable, [[t0, { spo2: 89, temp: 38.5 }]])
    expect((await derived()).map((r) => r.type)).toEqual(['temp_high'])
    feed(wearable, [[t0 + MIN, { spo2: 88 }]])
    expect((await derived('spo2_low'))[0]!.payload).toMatchObject({ severity: 'medium', value: 88, threshold: 90, durationMs: MIN })
  })

  it('per-resident overrides change the threshold and can turn a rule off', async () => {
    await db.query(`insert into detection_settings (resident_id, overrides) values ('r1', $1)`, [JSON.stringify({ hr_high: { value: 100, durationMs: 0 }, temp_high: { enabled: false } })])
    await det.reloadSettings('r1')
    feed(wearable, [[local(10), { hr: 101, temp: 39 }]])
    expect((await derived()).map((r) => r.type)).toEqual(['hr_high'])
  })
})

describe('[NEWS2] from the latest readings within the window', () => {
  it('medium at 5, rises to high (a new row), clears when the score falls', async () => {
    const t0 = local(9)
    feed(wearable, [[t0, { rr: 21, hr: 111, temp: 38.1, spo2: 97, sbp: 130 }]]) // 2 + 2 + 1 = 5
    let rows = await derived('news2')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.payload).toMatchObject({ rule: 'news2', severity: 'medium', score: 5, residentId: 'r1', consciousness: 'assumed_alert' })
    expect(rows[0]!.payload.parameters).toEqual({ rr: { value: 21, score: 2 }, spo2: { value: 97, score: 0 }, sbp: { value: 130, score: 0 }, hr: { value: 111, score: 2 }, temp: { value: 38.1, score: 1 } })

    feed(wearable, [[t0 + MIN, { rr: 22 }]]) // still 5: a repeat
    expect(await derived('news2')).toHaveLength(1)
    feed(wearable, [[t0 + 2 * MIN, { spo2: 93, sbp: 101 }]]) // 5 + 2 + 1 = 8 → high
    rows = await derived('news2')
    expect(rows.map((r) => [r.msg_id, r.payload.severity, r.payload.score])).toEqual([
      [`derived:news2:r1:${t0}`, 'medium', 5], [`derived:news2:r1:${t0 + 2 * MIN}`, 'high', 8]])

    feed(wearable, [[t0 + 3 * MIN, { rr: 16, hr: 72, temp: 36.8, spo2: 97, sbp: 130 }]])
    expect(det.state.get('r1', 'news2').active).toBeUndefined()
  })

  it('a single parameter scoring 3 is medium; readings older than the window are not scored', async () => {
    const t0 = local(9)
    feed(wearable, [[t0, { rr: 16, spo2: 91, sbp: 130 }]]) // spo2 91 → 3
    expect((await derived('news2'))[0]!.payload).toMatchObject({ severity: 'medium', score: 3, risk: 'low-medium' })
    await db.exec('delete from inbox'); await det.stop(); await db.exec('delete from detection_state'); det = await newDetector()
    // rr and sbp 20 min old: only 1 parameter in the window → not scored (needs 3)
    feed(wearable, [[t0, { rr: 25, sbp: 90 }], [t0 + 20 * MIN, { hr: 131 }]])
    expect(await derived('news2')).toEqual([])
  })
})

describe('time-based rules on the scheduler tick', () => {
  it('inactivity: 6 h without motion or bed movement inside 07:00–22:00 local', async () => {
    feed(bed, [[local(7, 30), { bed_movement: 2 }]])
    await tick(local(13, 29))
    expect(await derived()).toEqual([])
    await tick(local(13, 31))
    const rows = await derived('inactivity')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ msg_id: `derived:inactivity:r1:${local(13, 30)}`, device_id: 'bed1' })
    await tick(local(14)) // still quiet: the same alarm
    expect(await derived('inactivity')).toHaveLength(1)
    feed(wearable, [[local(14, 5), { motion: 1 }]])
    expect(det.state.get('r1', 'inactivity').active).toBeUndefined()
  })

  it('inactivity counts only from the start of the daytime window, and not at night', async () => {
    feed(bed, [[local(2), { bed_movement: 1 }]])
    await tick(local(12, 59))
    expect(await derived()).toEqual([])
    await tick(local(13))
    expect((await derived('inactivity'))[0]!.payload).toMatchObject({ at: local(13), lastActivityAt: local(2) })
    await det.stop(); await db.exec('delete from inbox; delete from detection_state'); det = await newDetector()
    feed(bed, [[local(15), { bed_movement: 1 }]])
    await tick(local(23, 30)) // 23:30 is outside the daytime window
    expect(await derived()).toEqual([])
  })

  it('night bed exit not back within 30 min; back in bed clears it; a daytime exit does not count', async () => {
    feed(bed, [[local(23), { bed_occupied: 1 }], [local(23, 10), { bed_occupied: 0 }]])
    await tick(local(23, 39))
    expect(await derived()).toEqual([])
    await tick(local(23, 41))
    expect((await derived('bed_exit_not_back'))[0]).toMatchObject({ msg_id: `derived:bed_exit_not_back:r1:${local(23, 40)}`, device_id: 'bed1' })
    feed(bed, [[local(23, 50), { bed_occupied: 1 }]])
    expect(det.state.get('r1', 'bed_exit_not_back').active).toBeUndefined()
    feed(bed, [[local(24 + 10), { bed_occupied: 0 }]]) // 10:00 the next day
    await tick(local(24 + 11))
    expect(await derived('bed_exit_not_back')).toHaveLength(1)
  })

  it('no data from any of the resident\'s devices for 24 h', async () => {
    const seen = local(8)
    await db.query(`update devices set last_seen_at = $1 where id = 'w1'`, [new Date(seen)])
    await db.query(`update devices set last_seen_at = $1 where id = 'bed1'`, [new Date(seen - HOUR)])
    await tick(seen + 24 * HOUR - 1)
    expect(await derived()).toEqual([])
    await tick(seen + 24 * HOUR)
    expect((await derived('no_data'))[0]).toMatchObject({ msg_id: `derived:no_data:r1:${seen + 24 * HOUR}`, device_id: 'w1' })
    await db.query(`update devices set last_seen_at = $1 where id = 'bed1'`, [new Date(seen + 25 * HOUR)])
    await tick(seen + 25 * HOUR)
    expect(det.state.get('r1', 'no_data').active).toBeUndefined()
  })

  it('an alarm-critical device offline past its grace period; a wearable offline is not an alarm', async () => {
    const off = local(9)
    await db.query(`update devices set online = false, last_seen_at = $1 where id in ('f1', 'w1')`, [new Date(off)])
    await tick(off + 10 * MIN - 1)
    expect(await derived('device_offline')).toEqual([])
    await tick(off + 10 * MIN)
    const rows = await derived('device_offline')
    expect(rows.map((r) => [r.msg_id, r.device_id])).toEqual([[`derived:device_offline:f1:${off + 10 * MIN}`, 'f1']])
    expect(rows[0]!.payload).toMatchObject({ severity: 'low', residentId: 'r1', deviceType: 'fall_detector' })
    await db.query(`update devices set online = true, last_seen_at = $1 where id = 'f1'`, [new Date(off + 20 * MIN)])
    await tick(off + 20 * MIN)
    expect(det.state.get('f1', 'device_offline').active).toBeUndefined()
  })

  it('a missed periodic test event', async () => {
    const last = local(6)
    await db.query(`insert into inbox (device_id, msg_id, kind, type, payload, received_at) values ('f1', 'test-1', 'event', 'test', '{}', $1)`, [new Date(last)])
    await tick(last + 25 * HOUR - 1)
    expect(await derived()).toEqual([])
    await tick(last + 25 * HOUR)
    expect((await derived('missed_test'))[0]).toMatchObject({ msg_id: `derived:missed_test:f1:${last + 25 * HOUR}`, device_id: 'f1' })
    await db.query(`insert into inbox (device_id, msg_id, kind, type, payload, received_at) values ('f1', 'test-2', 'event', 'test', '{}', $1)`, [new Date(last + 26 * HOUR)])
    await tick(last + 26 * HOUR)
    expect(det.state.get('f1', 'missed_test').active).toBeUndefined()
  })
})

describe('device health from status and events', () => {
  it('[P-3.4] low battery below 20 %, one alarm until it is back above 30 %; a low_battery event raises it too', async () => {
    det.onBattery(fall, 15, local(9))
    det.onBattery(fall, 12, local(10))
    let rows = await derived('low_battery')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.payload).toMatchObject({ severity: 'low', battery: 15, threshold: 20, source: 'status' })
    det.onBattery(fall, 25, local(11)) // between the bounds: still active
    expect(det.state.get('f1', 'low_battery').active).toBeDefined()
    det.onBattery(fall, 90, local(12))
    expect(det.state.get('f1', 'low_battery').active).toBeUndefined()
    det.onBattery(fall, null, local(13))
    rows = await derived('low_battery')
    expect(rows.map((r) => r.payload.source)).toEqual(['status', 'event'])
  })
})

describe('rule state survives a restart', () => {
  it('a pending duration and an active episode are picked up by a new detector', async () => {
    const t0 = local(10)
    feed(wearable, [[t0, { hr: 130 }]])
    await det.stop()
    det = await newDetector()
    feed(wearable, [[t0 + 2 * MIN, { hr: 130 }]])
    expect(await derived('hr_high')).toHaveLength(1)
    await det.stop()
    det = await newDetector()
    feed(wearable, [[t0 + 3 * MIN, { hr: 130 }]]) // the same episode after the restart
    expect(await derived('hr_high')).toHaveLength(1)
    expect(det.state.get('r1', 'hr_high').active).toMatchObject({ start: t0 + 2 * MIN, repeats: 1 })
  })

  it('NEWS2\'s latest readings are written at shutdown: a new detector scores them with the next reading', async () => {
    const t0 = local(9)
    feed(wearable, [[t0, { rr: 21, hr: 111 }]]) // two parameters: not scored yet (needs 3)
    feed(wearable, [[t0 + MIN, { rr: 22 }]]) // moved on in place
    expect(await derived('news2')).toEqual([])
    await det.stop()
    det = await newDetector()
    feed(wearable, [[t0 + 2 * MIN, { temp: 38.1 }]]) // rr 22 → 2, hr 111 → 2, temp → 1
    const rows = await derived('news2')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.payload).toMatchObject({ score: 5, parameters: { rr: { value: 22, score: 2 }, hr: { value: 111, score: 2 }, temp: { value: 38.1, score: 1 } } })
  })
})
