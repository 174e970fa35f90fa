/**
 * The bookkeeping rows rewritten all day stay on their pages (issue 11): an update that keeps its
 * page (HOT: none of its indexed columns changed, and the page had room) writes no index entry and
 * its old version is pruned by the page's next reader; one that leaves its page leaves a dead row
 * and index entries that only VACUUM clears, and the table and its indexes grow until it does.
 * - Presence's updates of `devices` (migration 0027): each connected device's row about once a
 *   minute. Packed full, some moved to other pages, and the embedded database's hourly pass
 *   vacuumed the table every hour (60–76 ms at 100,000 devices, an alarm's wait).
 * - The last positions (`positions_last`, migration 0028): every wearable's row each 30 s. The
 *   index on (resident_id, at) made every update leave its page, since `at` always changes.
 *
 * Held here by each row's page (read from its `ctid`) and the sizes of the table and its indexes
 * on both engines, and on PGlite by the statistics too: every update counted HOT (PostgreSQL reports
 * them per connection and up to seconds late; an update that keeps its page may still not be HOT
 * when it changed an indexed column, so the page alone does not prove it). The rows are written
 * through the gateway's own code (GatewayStore.writePresence, PositionTracker.persist: 100 rows a
 * statement) on PGlite and on PostgreSQL 15, every device once a round in a shuffled order — more
 * rows of a page in one statement than a real fleet's writes put there (3,000 devices on ~120
 * pages; at 100,000 a statement's 100 rows fall on ~3,700) — and every row stays on its page,
 * neither the table nor its indexes grow.
 */
import { expect, it } from 'vitest'
import { pino } from 'pino'
import { GatewayStore, PositionTracker, PRESENCE_ROWS_PER_STATEMENT, type PresencePatch } from '@eldercare/gateway/testing'
import { SqlTrackStore } from '@eldercare/readings'
import { hashDeviceSecret } from '@eldercare/common'
import { onEachEngine } from '../support/engines.ts'

const DEVICES = 3000
const MINUTES = 4

onEachEngine('bookkeeping_heap', async (db) => {
  await db.query("insert into areas (id, name, level, path) values ('heap-city', 'heap city', 'city', '/heap-city/')")
  await db.query("insert into sites (id, name, kind, area_id) select 'heap-site-' || i, 'home', 'home', 'heap-city' from generate_series(0, 299) i")
  await db.query("insert into residents (id, site_id, name) select 'heap-res-' || i, 'heap-site-' || (i % 300), '住户' || i from generate_series(0, $1::int - 1) i", [DEVICES])
  // rows as the registry writes them: a resident, a site and the secret's hash on each
  await db.query(`insert into devices (id, type, site_id, resident_id, secret_hash)
    select 'heap-dev-' || i, 'wearable', 'heap-site-' || (i % 300), 'heap-res-' || i, $2 from generate_series(0, $1::int - 1) i`, [DEVICES, hashDeviceSecret('s')])
}, (db, engine) => {
  // on PGlite, one connection: its statistics are exact once flushed
  const updates = async (table: string) => {
    await db().query('select pg_stat_force_next_flush()')
    return (await db().query<{ upd: number, hot: number }>('select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables where relname = $1', [table])).rows[0]!
  }
  const allHot = async (table: string, before: { upd: number, hot: number }, expected: number) => {
    if (engine !== 'pglite') return
    const after = await updates(table)
    expect({ updated: after.upd - before.upd, hot: after.hot - before.hot }).toEqual({ updated: expected, hot: expected })
  }
  const pages = async (table: string, key: string) => new Map((await db().query<{ id: string, page: number }>(`select ${key} as id, (ctid::text::point)[0]::int as page from ${table} where ${key} like 'heap-dev-%'`)).rows.map((r) => [r.id, r.page]))
  const sizes = async (table: string) => (await db().query<{ heap: string, indexes: string }>('select pg_relation_size($1)::text as heap, pg_indexes_size($1)::text as indexes', [table])).rows[0]
  const shuffle = (ids: string[]) => { for (let i = ids.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [ids[i], ids[j]] = [ids[j]!, ids[i]!] } }
  const unmoved = (before: Map<string, number>, after: Map<string, number>) => {
    const moved = [...before].filter(([id, page]) => after.get(id) !== page)
    expect(moved.length, `${moved.length} of ${before.size} rows left their page (not HOT), e.g. ${moved.slice(0, 3).map(([id, p]) => `${id}: ${p} → ${after.get(id)}`).join(', ')}`).toBe(0)
  }

  it(`${MINUTES} minutes of presence: every update stays on its page, the table and its indexes do not grow`, async () => {
    const before = await pages('devices', 'id')
    const sizeBefore = await sizes('devices')
    const updatesBefore = await updates('devices')
    expect(before.size).toBe(DEVICES)
    const ids = [...before.keys()]
    const store = new GatewayStore(db())
    let t = Date.parse('2026-11-30T00:00:00Z')
    for (let minute = 0; minute < MINUTES; minute++) {
      // a minute's flushes: every device once, in a random order; online the first time, a battery change now and then
      shuffle(ids)
      t += 60_000
      for (let k = 0; k < ids.length; k += PRESENCE_ROWS_PER_STATEMENT) {
        const flush = new Map<string, PresencePatch>(ids.slice(k, k + PRESENCE_ROWS_PER_STATEMENT).map((id, n) =>
          [id, { online: minute === 0 ? true : undefined, lastSeenAt: new Date(t + k + n), battery: n % 7 === 0 ? 90 - minute : undefined, rssi: -60 - (n % 10) }]))
        await store.writePresence(flush)
      }
    }
    unmoved(before, await pages('devices', 'id'))
    expect(await sizes('devices')).toEqual(sizeBefore)
    await allHot('devices', updatesBefore, DEVICES * MINUTES)
    const written = (await db().query<{ n: number }>("select count(*)::int as n from devices where id like 'heap-dev-%' and online and last_seen_at > '2026-11-30T00:03:00Z'")).rows[0]!.n
    expect(written).toBe(DEVICES)
  }, 120_000)

  it('rounds of last positions: after the first (the rows made), every update stays on its page, the table and its indexes do not grow', async () => {
    const tracker = new PositionTracker(db(), new SqlTrackStore(db()), pino({ level: 'silent' }), { persistIntervalMs: 3600_000 })
    await tracker.start()
    try {
      const ids = Array.from({ length: DEVICES }, (_, i) => `heap-dev-${i}`)
      let t = Date.parse('2026-11-30T00:00:00Z')
      const round = async () => {
        // every wearable's newest position, in the order they came this round (the tracker writes them in that order)
        shuffle(ids)
        t += 30_000
        ids.forEach((id, n) => tracker.update([{ deviceId: id, residentId: `heap-res-${id.slice(9)}`, lat: 31.2 + (t % 997) / 1e5 + n / 1e7, lng: 121.4, acc: 10 + (n % 20), at: t + n, source: 'telemetry' }]))
        await tracker.persist()
      }
      await round()
      const before = await pages('positions_last', 'device_id')
      const sizeBefore = await sizes('positions_last')
      const updatesBefore = await updates('positions_last')
      expect(before.size).toBe(DEVICES)
      for (let r = 0; r < 4; r++) await round()
      unmoved(before, await pages('positions_last', 'device_id'))
      expect(await sizes('positions_last')).toEqual(sizeBefore)
      await allHot('positions_last', updatesBefore, DEVICES * 4)
      const { rows } = await db().query<{ n: number }>("select count(*)::int as n from positions_last where device_id like 'heap-dev-%' and at >= $1", [new Date(t)])
      expect(rows[0]!.n).toBe(DEVICES)
    } finally {
      await tracker.close()
    }
  }, 120_000)
})
