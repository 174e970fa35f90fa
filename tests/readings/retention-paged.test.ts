/**
 * Retention of the relational stores a few pages per statement (readings/src/sql-prune.ts): every
 * row past retention deleted and no other — old rows written late (a device's backlog) included —
 * and no statement that reads the whole table, which on the embedded database every alarm would
 * wait for. Real PGlite and PostgreSQL 15; each delete's plan asked of the engine itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prunePaged, SqlTrackStore, SqlVitalsStore, type Sql } from '@eldercare/readings'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 30, 12)

/** The database, recording each prune delete with the plan the engine makes for it. */
function planning (db: Db): { sql: Sql, deletes: Array<{ plan: string, rows: number }> } {
  const deletes: Array<{ plan: string, rows: number }> = []
  const sql: Sql = {
    async query (text, params, opts) {
      const r = await db.query(text, params, opts)
      if (/^delete from/.test(text)) {
        const plan = (await db.query<Record<string, string>>(`explain ${text}`, params)).rows.map((row) => Object.values(row)[0]).join('\n')
        deletes.push({ plan, rows: r.rowCount })
      }
      return r as Awaited<ReturnType<Sql['query']>>
    }
  } as Sql
  return { sql, deletes }
}

function pagedRetention (name: string, open: () => Promise<{ db: Db, close: () => Promise<void> }>): void {
  describe(`retention a few pages per statement: ${name}`, () => {
    let db: Db
    let close: () => Promise<void>
    beforeAll(async () => { ({ db, close } = await open()); await migrate(db) })
    afterAll(async () => { await close?.() })

    it('deletes every reading past retention and no other, old rows written late included, each statement a range of pages', async () => {
      const store = new SqlVitalsStore(db, { retentionMs: 90 * DAY })
      // 6,000 readings of 30 residents: a day each from 100 days ago to today (the first 10 days past retention) …
      const points = Array.from({ length: 6000 }, (_, i) => ({ ts: NOW - 100 * DAY + Math.floor(i / 60) * DAY, deviceId: `w${i % 30}`, residentId: `r${i % 30}`, fields: { hr: 60 + (i % 40) } }))
      for (let i = 0; i < points.length; i += 1000) await store.write(points.slice(i, i + 1000))
      // … then a backlog of 50 old ones written last, at the table's end
      await store.write(Array.from({ length: 50 }, (_, i) => ({ ts: NOW - 95 * DAY + i * 1000, deviceId: 'w-late', residentId: 'r-late', fields: { spo2: 97 } })))
      const past = (await db.query<{ n: number }>('select count(*)::int as n from readings where ts < $1', [new Date(NOW - 90 * DAY)])).rows[0]!.n
      expect(past).toBe(10 * 60 + 50)
      const total = (await db.query<{ n: number }>('select count(*)::int as n from readings')).rows[0]!.n

      const { sql, deletes } = planning(db)
      expect(await prunePaged(sql, 'readings', new Date(NOW - 90 * DAY), { pagesPerStatement: 4 })).toBe(past)
      expect((await db.query<{ n: number }>('select count(*)::int as n from readings')).rows[0]!.n).toBe(total - past)
      expect((await db.query<{ n: number }>('select count(*)::int as n from readings where ts < $1', [new Date(NOW - 90 * DAY)])).rows[0]!.n).toBe(0)
      // several statements, each reading its pages alone (never a scan of the table)
      expect(deletes.length).toBeGreaterThan(3)
      for (const d of deletes) {
        expect(d.plan).toMatch(/Tid Range Scan on readings/)
        expect(d.plan).not.toMatch(/Seq Scan/)
      }
      // the store's own prune: nothing left past retention, a second walk deletes nothing
      expect(await store.prune(NOW)).toBe(0)
    })

    it('prunes the position track the same way', async () => {
      const track = new SqlTrackStore(db, 30 * DAY)
      await track.write(Array.from({ length: 400 }, (_, i) => ({ ts: NOW - 40 * DAY + i * 2.4 * 3600_000, deviceId: 'w1', residentId: 'r1', lat: 31.2, lng: 121.4, acc: 10, source: 'telemetry' as const })))
      const past = (await db.query<{ n: number }>('select count(*)::int as n from position_track where ts < $1', [new Date(NOW - 30 * DAY)])).rows[0]!.n
      expect(past).toBeGreaterThan(0)
      const { sql, deletes } = planning(db)
      expect(await prunePaged(sql, 'position_track', new Date(NOW - 30 * DAY), { pagesPerStatement: 1 })).toBe(past)
      expect(deletes.every((d) => /Tid Range Scan on position_track/.test(d.plan))).toBe(true)
      expect(await track.prune(NOW)).toBe(0)
      expect((await track.track('r1', NOW - 30 * DAY, NOW, 3600_000)).length).toBe(400 - past)
    })
  })
}

pagedRetention('PGlite', async () => {
  const db = await openDb({ dataDir: 'memory://' })
  return { db, close: () => db.close() }
})

const pg = needsPostgres()
describe.skipIf(!pg.ok)('on PostgreSQL', () => {
  let server: PostgresServer
  pagedRetention('PostgreSQL 15', async () => {
    server = await startPostgres()
    const db = await openDb({ databaseUrl: await server.createDatabase('retention_paged') })
    return { db, close: async () => { await db.close(); await server.stop() } }
  })
})
