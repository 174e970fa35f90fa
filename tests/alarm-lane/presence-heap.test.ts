/**
 * Presence's updates of `devices` stay on their pages (issue 11, migration 0027): each connected
 * device's row is rewritten about once a minute, none of the columns written is indexed, so every
 * update can be HOT — when its page has room. Packed full, some moved to other pages each minute,
 * each leaving a dead row and index entries only VACUUM clears: the embedded database's hourly
 * pass then held the worker for the table (~60 ms at 100,000 devices) every hour.
 *
 * Held here without statistics (PostgreSQL reports them late and per connection): a row's page is
 * read from its `ctid`, and a HOT update is the one kind that keeps it. Minutes of presence are
 * written through the gateway's own store (GatewayStore.writePresence: PRESENCE_ROWS_PER_STATEMENT
 * devices a statement) on PGlite and on PostgreSQL 15, every device once a minute in a shuffled
 * order, a statement's worth a flush — more rows of a page in one statement than a real fleet's
 * flush writes (3,000 devices on ~120 pages; at 100,000 a statement's 100 rows fall on ~3,700) —
 * and every row stays on its page, neither the table nor its indexes grow.
 */
import { expect, it } from 'vitest'
import { GatewayStore, PRESENCE_ROWS_PER_STATEMENT, type PresencePatch } from '@eldercare/gateway/testing'
import { hashDeviceSecret } from '@eldercare/common'
import { onEachEngine } from '../support/engines.ts'

const DEVICES = 3000
const MINUTES = 4

onEachEngine('presence_heap', async (db) => {
  await db.query("insert into areas (id, name, level, path) values ('heap-city', 'heap city', 'city', '/heap-city/')")
  await db.query("insert into sites (id, name, kind, area_id) select 'heap-site-' || i, 'home', 'home', 'heap-city' from generate_series(0, 299) i")
  await db.query("insert into residents (id, site_id, name) select 'heap-res-' || i, 'heap-site-' || (i % 300), '住户' || i from generate_series(0, $1::int - 1) i", [DEVICES])
  // rows as the registry writes them: a resident, a site and the secret's hash on each
  await db.query(`insert into devices (id, type, site_id, resident_id, secret_hash)
    select 'heap-dev-' || i, 'wearable', 'heap-site-' || (i % 300), 'heap-res-' || i, $2 from generate_series(0, $1::int - 1) i`, [DEVICES, hashDeviceSecret('s')])
}, (db) => {
  const pages = async () => new Map((await db().query<{ id: string, page: number }>("select id, (ctid::text::point)[0]::int as page from devices where id like 'heap-dev-%'")).rows.map((r) => [r.id, r.page]))
  const sizes = async () => (await db().query<{ heap: string, indexes: string }>("select pg_relation_size('devices')::text as heap, pg_indexes_size('devices')::text as indexes")).rows[0]

  it(`${MINUTES} minutes of presence: every update stays on its page, the table and its indexes do not grow`, async () => {
    const before = await pages()
    const sizeBefore = await sizes()
    expect(before.size).toBe(DEVICES)
    const ids = [...before.keys()]
    const store = new GatewayStore(db())
    let t = Date.parse('2026-11-30T00:00:00Z')
    for (let minute = 0; minute < MINUTES; minute++) {
      // a minute's flushes: every device once, in a random order; online the first time, a battery change now and then
      for (let i = ids.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [ids[i], ids[j]] = [ids[j]!, ids[i]!] }
      t += 60_000
      for (let k = 0; k < ids.length; k += PRESENCE_ROWS_PER_STATEMENT) {
        const flush = new Map<string, PresencePatch>(ids.slice(k, k + PRESENCE_ROWS_PER_STATEMENT).map((id, n) =>
          [id, { online: minute === 0 ? true : undefined, lastSeenAt: new Date(t + k + n), battery: n % 7 === 0 ? 90 - minute : undefined, rssi: -60 - (n % 10) }]))
        await store.writePresence(flush)
      }
    }
    const after = await pages()
    const moved = [...before].filter(([id, page]) => after.get(id) !== page)
    expect(moved.length, `${moved.length} of ${DEVICES} rows left their page (not HOT), e.g. ${moved.slice(0, 3).map(([id, p]) => `${id}: ${p} → ${after.get(id)}`).join(', ')}`).toBe(0)
    expect(await sizes()).toEqual(sizeBefore)
    const written = (await db().query<{ n: number }>("select count(*)::int as n from devices where id like 'heap-dev-%' and online and last_seen_at > '2026-11-30T00:03:00Z'")).rows[0]!.n
    expect(written).toBe(DEVICES)
  }, 120_000)
})
