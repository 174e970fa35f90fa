/**
 * The durable inbox insert — every alarm's PUBACK waits for it — looks up a prior use of each id by
 * index, whatever the inbox holds (issue 11, ninth session). Written as `exists (…)` in RETURNING,
 * the planner (counting on the 100 rows it assumes of jsonb_to_recordset) took a hashed subplan at
 * some sizes of the inbox: a sequential scan of the whole table for every insert — 4.9 ms at
 * 20,000 rows on PGlite, where an index probe takes 0.2 ms. Held here to its plan (custom and
 * generic, as a prepared statement gets after five runs) on PGlite and on PostgreSQL 15, and to
 * its answers (new, reused, duplicate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INBOX_INSERT_SQL } from '@eldercare/gateway'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

const ROWS = 20_000
const row = (device: string, msg: string, type = 'fall', ts = '2026-11-29T01:00:00Z') =>
  ({ device_id: device, msg_id: msg, kind: 'event', type, payload: {}, device_ts: ts, received_at: '2026-11-29T01:00:01Z', clock_skew: false })

function planContract (name: string, open: () => Promise<{ db: Db, close: () => Promise<void> }>) {
  describe(name, () => {
    let db: Db
    let close: () => Promise<void>
    beforeAll(async () => {
      ({ db, close } = await open())
      await migrate(db)
      // an inbox of 20,000 rows over 500 devices, analysed
      await db.query(`insert into inbox (device_id, msg_id, kind, type, payload, device_ts, received_at)
        select 'dev-' || (i % 500), 'm' || i, 'event', 'test', '{}'::jsonb, now(), now() from generate_series(1, $1::int) i`, [ROWS])
      await db.query('analyze inbox')
    }, 120_000)
    afterAll(async () => { await close?.() })

    // as a prepared statement: a custom plan (its first five runs) and the generic one (from the sixth)
    const explain = (mode: 'force_custom_plan' | 'force_generic_plan') => db.transaction(async (tx) => {
      await tx.query(`set local plan_cache_mode = ${mode}`)
      await tx.query(`prepare inbox_insert_plan (jsonb) as ${INBOX_INSERT_SQL}`)
      try {
        const { rows } = await tx.query<Record<string, string>>(`explain execute inbox_insert_plan ('${JSON.stringify([row('dev-7', 'plan-1')])}')`)
        return rows.map((r) => Object.values(r)[0]).join('\n')
      } finally {
        await tx.query('deallocate inbox_insert_plan')
      }
    })

    it.each(['force_custom_plan', 'force_generic_plan'] as const)('%s: no sequential scan of the inbox, an index probe per row', async (mode) => {
      const plan = await explain(mode)
      expect(plan).not.toMatch(/Seq Scan on inbox/)
      expect(plan).toMatch(/Index (Only )?Scan using \w+ on inbox o/)
    })

    it('answers new, reused (the id before, with another time) and nothing for a duplicate', async () => {
      const q = (rows: unknown[]) => db.query<{ msg_id: string, reused: boolean }>(INBOX_INSERT_SQL, [JSON.stringify(rows)])
      expect((await q([row('dev-1', 'x1'), row('dev-2', 'x1')])).rows.map((r) => r.reused)).toEqual([false, false])
      expect((await q([row('dev-1', 'x1')])).rows).toEqual([]) // the same message again: a duplicate
      expect((await q([row('dev-1', 'x1', 'fall', '2026-11-29T02:00:00Z')])).rows.map((r) => r.reused)).toEqual([true])
      // dev-3 sent a test event with id m3 (the 20,000 rows above): a fall with that id is reused
      expect((await q([row('dev-3', 'm3')])).rows.map((r) => r.reused)).toEqual([true])
    })
  })
}

planContract('on PGlite', async () => {
  const db = await openDb({ dataDir: 'memory://' })
  return { db, close: () => db.close() }
})

const pg = needsPostgres()
describe.skipIf(!pg.ok)('PostgreSQL', () => {
  let server: PostgresServer
  beforeAll(async () => { server = await startPostgres() })
  afterAll(async () => { await server?.stop() })
  planContract('on PostgreSQL 15', async () => {
    const db = await openDb({ databaseUrl: await server.createDatabase('inbox_plan') })
    return { db, close: () => db.close() }
  })
})
