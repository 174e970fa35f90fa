/**
 * The gateway's watched residents in scaled mode (issue 15, gateway/src/positions.ts), on PGlite
 * with the real schema: read from the active incidents that have a position; an incident closed
 * leaves the set at the next refresh; a resident added while a refresh's query runs stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { PositionWatch } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'

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
