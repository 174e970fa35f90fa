/**
 * #14 One owner for the clock-driven rules: two gateways' detectors on one real PostgreSQL 15.
 * The per-reading rules run where the device is connected; inactivity, bed exit, no data,
 * device offline and missed test run only in the holder of the clock lease (migration 0009),
 * which reads the activity other gateways saw. The clock is injected and shared; nothing sleeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { Detector, GatewayStore, type DeviceOwner } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

const MIN = 60_000
const HOUR = 60 * MIN
/** 2026-11-23 00:00 in Asia/Shanghai (UTC+8), the default resident time zone. */
const DAY = Date.UTC(2026, 10, 22, 16, 0, 0)
const local = (h: number, m = 0) => DAY + h * HOUR + m * MIN
const LEASE_MS = 10 * MIN

const pg = needsPostgres()
describe.skipIf(!pg.ok)('[#14] clock rules run once across two gateways (PostgreSQL)', () => {
  let server: PostgresServer
  let url: string
  let admin: Db
  let now = DAY
  const wearable: DeviceOwner = { deviceId: 'w1', type: 'wearable', residentId: 'r1' }
  const notices: Array<{ gw: string, msgId: string }> = []
  const open: Array<{ det: Detector, db: Db }> = []

  async function gateway (name: string): Promise<Detector> {
    const db = await openDb({ databaseUrl: url })
    const det = new Detector({
      sql: db, store: new GatewayStore(db), log: pino({ level: 'silent' }), notify: (n) => notices.push({ gw: name, msgId: n.msgId }),
      now: () => now, tickIntervalMs: 0, clockLeaseMs: LEASE_MS, stateFlushDelayMs: 0
    })
    await det.start()
    open.push({ det, db })
    return det
  }
  /** A process that dies: its pool closes, nothing is flushed, its lease is not released. */
  async function crash (det: Detector): Promise<void> {
    const i = open.findIndex((o) => o.det === det)
    await det.settled()
    await open[i]!.db.close()
    open.splice(i, 1)
  }
  const tick = async (at: number, ...dets: Detector[]) => { now = at; for (const d of dets) { await d.tick(); await d.settled() } }
  /** As the gateway's readings path does: the detector re-reads a returning device's state, then the rules run. */
  const feed = async (det: Detector, ts: number, fields: Record<string, number>) => { await det.prepare(wearable); det.onSamples(wearable, [{ ts, fields }]) }
  async function derivedRows (type: string) {
    const { rows } = await admin.query<{ msg_id: string, device_id: string }>("select msg_id, device_id from inbox where kind = 'derived' and type = $1 order by seq", [type])
    return rows
  }
  const inactivityRows = () => derivedRows('inactivity')

  beforeAll(async () => {
    server = await startPostgres()
    url = await server.createDatabase('detection_cluster')
    admin = await openDb({ databaseUrl: url })
    await migrate(admin)
    await admin.exec(`
      insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
      insert into sites (id, name, kind, area_id) values ('s1', '家', 'home', 'a1');
      insert into residents (id, name, site_id) values ('r1', '王奶奶', 's1');
      insert into devices (id, type, site_id, resident_id, secret_hash) values ('w1', 'wearable', 's1', 'r1', 'x');`)
  })
  afterAll(async () => {
    for (const o of open.splice(0)) { await o.det.stop(); await o.db.close() }
    await admin?.close()
    await server?.stop()
  })
  beforeEach(async () => {
    for (const o of open.splice(0)) { await o.det.stop(); await o.db.close() }
    await admin.exec('delete from inbox; delete from detection_state; delete from detection_lease;')
    notices.length = 0
    now = DAY
  })

  it('an inactivity window that ends produces exactly one derived alarm, however both gateways tick', async () => {
    const a = await gateway('a')
    const b = await gateway('b')
    await feed(a, local(7, 30), { motion: 1 })
    await tick(local(13, 29), a, b)
    expect(await inactivityRows()).toEqual([])
    await tick(local(13, 31), b, a)
    await tick(local(13, 45), a, b)
    await tick(local(14), b, a)
    expect(await inactivityRows()).toEqual([{ msg_id: `derived:inactivity:r1:${local(13, 30)}`, device_id: 'w1' }])
    expect(notices).toHaveLength(1)
    expect([a.clockOwner, b.clockOwner].filter(Boolean)).toHaveLength(1)
  })

  it('the window ends while the lease holder is down: the other gateway takes over and raises it once', async () => {
    const a = await gateway('a')
    const b = await gateway('b')
    await feed(b, local(7, 30), { motion: 1 })
    await tick(local(13, 25), a, b)
    expect(a.clockOwner).toBe(true)
    await crash(a)
    await tick(local(13, 31), b) // a's lease runs until 13:35: b waits
    expect(b.clockOwner).toBe(false)
    expect(await inactivityRows()).toEqual([])
    await tick(local(13, 36), b)
    expect(b.clockOwner).toBe(true)
    await tick(local(13, 50), b)
    expect((await inactivityRows()).map((r) => r.msg_id)).toEqual([`derived:inactivity:r1:${local(13, 30)}`])
    expect(notices.map((n) => n.gw)).toEqual(['b'])
  })

  it('a wearable that moves to the other gateway mid-episode still gives one alarm, and its activity ends it', async () => {
    const a = await gateway('a')
    const b = await gateway('b')
    await tick(local(7), b, a) // b holds the lease
    await feed(a, local(7, 30), { motion: 1 })
    await tick(local(13, 31), a, b)
    expect(await inactivityRows()).toHaveLength(1)
    // the wearable reconnects to b and keeps sending readings without motion
    await feed(b, local(13, 40), { hr: 72 })
    await tick(local(14), a, b)
    await feed(b, local(14, 30), { hr: 70 })
    await tick(local(15), b, a)
    expect(await inactivityRows()).toHaveLength(1)
    await feed(b, local(15, 5), { motion: 1 }) // b holds the clock: the alarm ends at once
    expect(b.state.get('r1', 'inactivity').active).toBeUndefined()
    expect(notices).toHaveLength(1)
  })

  it('activity seen by the gateway that does not hold the clock keeps the holder from a false alarm', async () => {
    const a = await gateway('a')
    const b = await gateway('b')
    await tick(local(7), a, b) // a holds the lease
    await feed(a, local(7, 30), { motion: 1 })
    await tick(local(8), a, b)
    await feed(b, local(9), { motion: 1 }) // the wearable moved to b, which saw the resident move at 9:00
    await tick(local(9, 1), a, b) // a renews first: b only writes what it saw
    await tick(local(13, 31), a, b)
    expect(a.clockOwner).toBe(true)
    expect(await inactivityRows()).toEqual([]) // quiet since 9:00, not 7:30
    await tick(local(15, 1), a, b)
    expect((await inactivityRows()).map((r) => r.msg_id)).toEqual([`derived:inactivity:r1:${local(15)}`])
    expect(notices.map((n) => n.gw)).toEqual(['a'])
  })

  it('a threshold alarm raised at one gateway is not raised again when the wearable moves to the other (per-reading rules at the edge)', async () => {
    const a = await gateway('a')
    const b = await gateway('b')
    now = local(10)
    await feed(a, local(10), { hr: 130 })
    await feed(a, local(10, 2), { hr: 131 })
    await a.settled()
    expect((await derivedRows('hr_high')).map((r) => r.msg_id)).toEqual([`derived:hr_high:r1:${local(10, 2)}`])
    // the wearable reconnects to b minutes later, still fast: b re-reads r1's state before its rules run
    now = local(10, 6)
    await feed(b, local(10, 6), { hr: 132 })
    await feed(b, local(10, 8), { hr: 133 })
    await b.settled()
    expect(await derivedRows('hr_high')).toHaveLength(1)
    expect(b.state.get('r1', 'hr_high').active).toMatchObject({ start: local(10, 2), repeats: 2 })
    await feed(b, local(10, 15), { hr: 80 }) // and it ends there
    expect(b.state.get('r1', 'hr_high').active).toBeUndefined()
  })
})
