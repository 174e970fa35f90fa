/**
 * The gateway's positions (issue 15, gateway/src/positions.ts) on PGlite with the real schema.
 * PositionTracker: the last position of each wearable in memory, persisted coarsely — one upsert
 * of the changed devices per round, never per message; an older position never overwrites a newer
 * one; a restart knows where everyone was. PositionWatch (scaled mode): read from the active
 * incidents that have a position; an incident closed leaves the set at the next refresh; a
 * resident added while a refresh's query runs stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { POSITION_ROWS_PER_STATEMENT, PositionTracker, PositionWatch } from '@eldercare/gateway/testing'
import { SqlTrackStore } from '@eldercare/readings'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { watchedSql } from '../support/engines.ts'

let db: Db
const position = JSON.stringify({ lat: 39.92, lng: 116.41, acc: 10, at: '2026-11-29T05:00:00.000Z', source: 'event' })
const incident = (id: string, resident: string, status: string, pos: string | null) => db.query(
  `insert into incidents (id, type, priority, status, resident_id, site_id, area_id, device_id, opened_at, updated_at, position)
   values ($1, 'fall', 'P1', $2, $3, 's1', 'a1', 'w-' || $3, now(), now(), $4)`, [id, status, resident, pos])

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  await db.exec(`
    insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
    insert into sites (id, name, kind, area_id) values ('s1', '家', 'home', 'a1');
    insert into residents (id, name, site_id) values ('r1', '甲', 's1'), ('r2', '乙', 's1'), ('r3', '丙', 's1'), ('r4', '丁', 's1');
    insert into devices (id, type, site_id, resident_id, secret_hash) values ('w-r1', 'wearable', 's1', 'r1', 'x'), ('w-r2', 'wearable', 's1', 'r2', 'x'), ('w-r3', 'wearable', 's1', 'r3', 'x'), ('w-r4', 'wearable', 's1', 'r4', 'x');`)
})
afterAll(async () => { await db?.close() })

describe('PositionWatch: whose positions a gateway relays in scaled mode (issue 15)', () => {
  it('watches residents with an active incident that has a position, and forgets them once it is closed', async () => {
    await incident('i1', 'r1', 'open', position)
    await incident('i2', 'r2', 'open', null) // a site-level alarm: no position, nothing to follow
    await incident('i3', 'r3', 'resolved', position)
    const watch = new PositionWatch(db, pino({ level: 'silent' }), { refreshMs: 3600_000 })
    await watch.start()
    try {
      expect(['r1', 'r2', 'r3'].filter((r) => watch.has(r))).toEqual(['r1'])
      expect(watch.add('r1')).toBe(false) // already watched: nothing to tell the others
      expect(watch.add('r4')).toBe(true)
      // announcements come after the commit, so a refresh begun after an add finds its incident …
      await incident('i4', 'r4', 'acknowledged', position)
      await db.query("update incidents set status = 'resolved' where id = 'i1'")
      await watch.refresh()
      expect(watch.has('r1')).toBe(false) // closed: her positions stay on her gateway again
      expect(watch.has('r4')).toBe(true)
      // … and one that finds none (closed meanwhile) drops it
      await db.query("update incidents set status = 'closed_false_alarm' where id = 'i4'")
      await watch.refresh()
      expect(watch.has('r4')).toBe(false)
    } finally {
      watch.close()
    }
  })

  it('keeps a resident added while the refresh query runs (the announcement may overtake the read)', async () => {
    const watch = new PositionWatch(db, pino({ level: 'silent' }))
    const refreshing = watch.refresh()
    watch.add('r2') // lands while the query is in flight
    await refreshing
    expect(watch.has('r2')).toBe(true)
  })
})

describe('PositionTracker: last positions in memory, persisted coarsely (issue 15)', () => {
  const log = pino({ level: 'silent' })
  const at = Date.UTC(2026, 10, 29, 5, 0)
  const fix = (deviceId: string, lat: number, t: number, source: 'telemetry' | 'event' = 'telemetry') => ({ deviceId, residentId: deviceId.slice(2), lat, lng: 116.4, acc: 10, at: t, source })
  const stored = async () => (await db.query<{ device_id: string, lat: number, at: Date, source: string }>('select device_id, lat, at, source from positions_last order by device_id')).rows
    .map((r) => ({ deviceId: r.device_id, lat: Number(r.lat), at: new Date(r.at).getTime(), source: r.source }))

  it('writes nothing per message, the changed devices in one round, newer positions only, and reloads them after a restart', async () => {
    await db.exec('delete from positions_last')
    const tracker = new PositionTracker(db, new SqlTrackStore(db), log, { persistIntervalMs: 3600_000 })
    await tracker.start()
    const told: number[] = []
    tracker.on('position', (p) => told.push(p.lat))
    tracker.update([fix('w-r1', 39.91, at), fix('w-r1', 39.92, at + 1000)]) // a batch: the newest is the last known one
    tracker.update([fix('w-r2', 39.95, at, 'event')])
    tracker.update([fix('w-r1', 39.90, at - 5000)]) // late and older: kept on the track, not as the last position
    expect(told).toEqual([39.92, 39.95])
    expect(tracker.get('w-r1')).toMatchObject({ lat: 39.92, at: at + 1000 })
    expect(await stored()).toEqual([]) // nothing written per message
    await tracker.persist()
    expect(await stored()).toEqual([
      { deviceId: 'w-r1', lat: 39.92, at: at + 1000, source: 'telemetry' },
      { deviceId: 'w-r2', lat: 39.95, at, source: 'event' }
    ])
    // another gateway wrote a newer position of w-r1 meanwhile: this one's older copy does not overwrite it
    await db.query('update positions_last set lat = 39.99, at = $1 where device_id = $2', [new Date(at + 60_000), 'w-r1'])
    tracker.update([fix('w-r1', 39.93, at + 2000)])
    await tracker.close()
    expect((await stored())[0]).toMatchObject({ lat: 39.99, at: at + 60_000 })

    const restarted = new PositionTracker(db, new SqlTrackStore(db), log, { persistIntervalMs: 3600_000 })
    await restarted.start()
    try {
      expect(restarted.forResident('r1')).toMatchObject({ lat: 39.99, at: at + 60_000 })
      expect(restarted.forResident('r2')).toMatchObject({ lat: 39.95, source: 'event' })
    } finally {
      await restarted.close()
    }
  })

  it('at shutdown also writes what moved while a round was being written', async () => {
    await db.exec('delete from positions_last')
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    let held = false
    const sql = {
      async query (text: string, params?: unknown[], opts?: { priority?: 'alarm' | 'normal' | 'background' }) {
        if (!held && /^insert into positions_last/.test(text)) { held = true; await gate } // the round's first statement, held
        return db.query(text, params, opts)
      }
    }
    const tracker = new PositionTracker(sql as unknown as Db, new SqlTrackStore(db), log, { persistIntervalMs: 3600_000 })
    await tracker.start()
    tracker.update([fix('w-s1', 39.91, at)])
    const round = tracker.persist() // under way: w-s1 at 39.91
    tracker.update([fix('w-s1', 39.92, at + 1000)]) // moved meanwhile
    tracker.update([fix('w-s2', 39.95, at + 1000)]) // heard meanwhile
    const closing = tracker.close()
    release()
    await round
    await closing
    expect(await stored()).toEqual([
      { deviceId: 'w-s1', lat: 39.92, at: at + 1000, source: 'telemetry' },
      { deviceId: 'w-s2', lat: 39.95, at: at + 1000, source: 'telemetry' }
    ])
  })

  it('writes a round of 1,050 devices in statements of at most POSITION_ROWS_PER_STATEMENT, in the background lane, every device once', async () => {
    // one statement for the round held the embedded database 190–240 ms at 10,000 wearables: every alarm waited for it
    await db.exec('delete from positions_last')
    const { sql, statements: upserts } = watchedSql(db, /^insert into positions_last/)
    const tracker = new PositionTracker(sql, new SqlTrackStore(db), log, { persistIntervalMs: 3600_000 })
    await tracker.start()
    try {
      for (let i = 0; i < 1050; i++) tracker.update([fix(`w-b${i}`, 30 + i / 1000, at + i)])
      await tracker.persist()
      expect(upserts.length).toBe(Math.ceil(1050 / POSITION_ROWS_PER_STATEMENT))
      expect(Math.max(...upserts.map((u) => u.rows))).toBeLessThanOrEqual(POSITION_ROWS_PER_STATEMENT)
      expect(upserts.every((u) => u.priority === 'background')).toBe(true)
      const { rows } = await db.query<{ n: number }>("select count(*)::int as n from positions_last where device_id like 'w-b%'")
      expect(rows[0]!.n).toBe(1050)
      await tracker.persist() // nothing changed since: nothing written
      expect(upserts.length).toBe(Math.ceil(1050 / POSITION_ROWS_PER_STATEMENT))
    } finally {
      await tracker.close()
    }
  })
})
