/**
 * Presence written in statements of PRESENCE_ROWS_PER_STATEMENT devices (gateway/src/store.ts):
 * on the embedded database, where statements run one at a time, a reconnect storm's thousands of
 * offline changes in one statement held every alarm a quarter of a second. Real PGlite; every
 * device's row written, no statement over the bound, the greater last-seen kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayStore, PRESENCE_ROWS_PER_STATEMENT } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'

let db: Db
beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  await db.query("insert into areas (id, name, level, path) values ('a-pw', 'city', 'city', 'a-pw')")
  await db.query("insert into sites (id, name, kind, area_id) values ('s-pw', 'home', 'home', 'a-pw')")
  await db.query("insert into devices (id, type, site_id, secret_hash) select 'pw-' || i, 'wearable', 's-pw', 'x' from generate_series(1, 1050) i")
})
afterAll(async () => { await db?.close() })

describe('presence writes', () => {
  it('writes 1,050 devices\' changes in statements of at most PRESENCE_ROWS_PER_STATEMENT rows, each row once, the greater last-seen kept', async () => {
    const updates: number[] = []
    const sql = {
      async query (text: string, params?: unknown[], opts?: { priority?: 'alarm' | 'normal' | 'background' }) {
        const r = await db.query(text, params, opts)
        if (/^update devices/.test(text)) updates.push(r.rowCount)
        return r
      }
    }
    const store = new GatewayStore(sql as unknown as Db)
    const later = new Date('2026-11-30T10:00:00Z')
    await db.query("update devices set last_seen_at = $1 where id = 'pw-7'", [new Date(later.getTime() + 60_000)])
    await store.writePresence(new Map(Array.from({ length: 1050 }, (_, i) => [`pw-${i + 1}`, { online: true, lastSeenAt: later, battery: 80 }])))
    expect(updates.length).toBe(Math.ceil(1050 / PRESENCE_ROWS_PER_STATEMENT))
    expect(Math.max(...updates)).toBeLessThanOrEqual(PRESENCE_ROWS_PER_STATEMENT)
    expect(updates.reduce((a, b) => a + b, 0)).toBe(1050)
    const { rows } = await db.query<{ n: number, seen: number }>("select count(*)::int as n, count(distinct last_seen_at)::int as seen from devices where online and battery = 80")
    expect(rows[0]).toEqual({ n: 1050, seen: 2 })
    const seven = (await db.query<{ last_seen_at: Date }>("select last_seen_at from devices where id = 'pw-7'")).rows[0]!
    expect(new Date(seven.last_seen_at).getTime()).toBe(later.getTime() + 60_000) // never backwards
  })
})
