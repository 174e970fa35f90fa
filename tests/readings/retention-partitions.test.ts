/**
 * Retention of the relational stores (readings/src/sql-prune.ts, migration 0026), on real PGlite and
 * PostgreSQL 15: the tables are partitioned by time; a leaf wholly past retention is dropped, the
 * rows past retention in the leaf the cut falls in are deleted a few pages per statement (never a
 * statement that reads a whole table, which on the embedded database every alarm would wait for),
 * and so a long-running deployment's files stop growing — PGlite has no autovacuum, and the space
 * of a deleted row was never reused. Also: the migration keeps every existing row, a row no leaf
 * covers waits in the default leaf and moves when its leaf is made, and makers do not collide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensurePartitions, prunePaged, READINGS_PARTITIONS, SqlTrackStore, SqlVitalsStore, TRACK_PARTITIONS, type Sql } from '@eldercare/readings'
import { loadMigrations, migrate, openDb, type Db } from '@eldercare/platform'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 30, 12)

/** The database, recording each row delete of a prune with the plan the engine makes for it. */
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

const count = async (db: Db, where = 'true', params: unknown[] = [], table = 'readings'): Promise<number> =>
  (await db.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params)).rows[0]!.n

/** The leaves of `table`: name, bounds (null for the default leaf) and rows. */
async function leaves (db: Db, table: string): Promise<Array<{ name: string, from: number | null, to: number | null }>> {
  const { rows } = await db.query<{ name: string, bound: string }>(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = $1::regclass order by 1`, [table])
  return rows.map((r) => {
    const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(r.bound)
    return { name: r.name, from: m ? Date.parse(m[1]!) : null, to: m ? Date.parse(m[2]!) : null }
  })
}

const size = async (db: Db, table: string): Promise<number> => Number((await db.query<{ b: string }>(
  'select coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint as b from pg_inherits where inhparent = $1::regclass', [table])).rows[0]!.b)

function retention (name: string, open: () => Promise<{ db: Db, close: () => Promise<void> }>): void {
  describe(`retention by partitions: ${name}`, () => {
    let db: Db
    let close: () => Promise<void>
    beforeAll(async () => { ({ db, close } = await open()); await migrate(db) })
    afterAll(async () => { await close?.() })

    it('drops the weeks past retention, deletes the older rows of the week the cut falls in page by page, and no other row', async () => {
      await db.exec('truncate readings')
      // a deployment that ran the last 100 days: its leaves were made as it went
      for (let d = 100; d >= 0; d -= 7) await ensurePartitions(db, READINGS_PARTITIONS, NOW - d * DAY)
      const store = new SqlVitalsStore(db, { retentionMs: 90 * DAY })
      // 6,000 readings of 30 residents: a day each from 100 days ago to today (the first 10 days past retention) …
      const points = Array.from({ length: 6000 }, (_, i) => ({ ts: NOW - 100 * DAY + Math.floor(i / 60) * DAY, deviceId: `w${i % 30}`, residentId: `r${i % 30}`, fields: { hr: 60 + (i % 40) } }))
      for (let i = 0; i < points.length; i += 1000) await store.write(points.slice(i, i + 1000))
      // … then a backlog of 50 old ones written last
      await store.write(Array.from({ length: 50 }, (_, i) => ({ ts: NOW - 95 * DAY + i * 1000, deviceId: 'w-late', residentId: 'r-late', fields: { spo2: 97 } })))
      const cut = NOW - 90 * DAY
      const past = await count(db, 'ts < $1', [new Date(cut)])
      expect(past).toBe(10 * 60 + 50)
      const total = await count(db)
      const before = await leaves(db, 'readings')
      const wholly = before.filter((l) => l.to !== null && l.to <= cut)
      expect(wholly.length).toBeGreaterThan(0)
      const straddling = before.find((l) => l.from !== null && l.from < cut && l.to! > cut)!
      expect(straddling).toBeDefined()
      const inStraddling = await count(db, 'ts < $1', [new Date(cut)], straddling.name)
      expect(inStraddling).toBeGreaterThan(0)

      const { sql, deletes } = planning(db)
      const pruned = await new SqlVitalsStore(sql, { retentionMs: 90 * DAY }).prune(NOW)
      // whole weeks dropped; only the rows of the week the cut falls in deleted one by one
      expect(pruned).toEqual({ rows: inStraddling, partitions: wholly.length })
      expect(await count(db)).toBe(total - past)
      expect(await count(db, 'ts < $1', [new Date(cut)])).toBe(0)
      const after = await leaves(db, 'readings')
      expect(after.filter((l) => l.to !== null && l.to <= cut)).toEqual([])
      expect(after.map((l) => l.name)).toContain('readings_default')
      // the rows deleted one by one are the straddling week's (and the default leaf's, which holds none
      // here): each delete reads one of those leaves (by pages, next test), never the table
      expect(deletes.length).toBeGreaterThan(0)
      for (const d of deletes) expect(d.plan).toMatch(new RegExp(`^Delete on (${straddling.name}|readings_default) `))
      expect(deletes.reduce((n, d) => n + d.rows, 0)).toBe(inStraddling)
      // a second prune finds nothing
      expect(await store.prune(NOW)).toEqual({ rows: 0, partitions: 0 })
      // the readings left are read as before
      expect((await store.series('r1', cut, NOW + DAY, DAY)).hr!.length).toBe(90)
    })

    it('pages a leaf it is given, a few pages per statement', async () => {
      await db.exec('truncate readings')
      await ensurePartitions(db, READINGS_PARTITIONS, NOW)
      const store = new SqlVitalsStore(db, { retentionMs: 90 * DAY })
      await store.write(Array.from({ length: 3000 }, (_, i) => ({ ts: NOW - 3 * DAY + i * 60_000, deviceId: 'w', residentId: 'r', fields: { hr: 70 } })))
      const leaf = (await leaves(db, 'readings')).find((l) => l.from !== null && l.from <= NOW - 3 * DAY && l.to! > NOW - 3 * DAY)!
      const { sql, deletes } = planning(db)
      const cut = new Date(NOW - 2 * DAY)
      const old = await count(db, 'ts < $1', [cut], leaf.name)
      expect(await prunePaged(sql, leaf.name, cut, { pagesPerStatement: 2 })).toBe(old)
      expect(deletes.length).toBeGreaterThan(3)
      for (const d of deletes) {
        expect(d.plan).toContain(`Tid Range Scan on ${leaf.name}`)
        expect(d.plan).not.toMatch(/Seq Scan/)
      }
      await expect(prunePaged(sql, 'readings; drop table devices', cut)).rejects.toThrow(/not a table name/)
    })

    it('stops growing: twenty weeks written and pruned at four weeks of retention take the room of the first few', async () => {
      await db.exec('truncate readings')
      const store = new SqlVitalsStore(db, { retentionMs: 28 * DAY })
      const start = NOW - 20 * 7 * DAY
      const sizes: number[] = []
      for (let week = 0; week < 20; week++) {
        for (let day = 0; day < 7; day++) {
          const t = start + (week * 7 + day) * DAY
          if (day === 0) await store.prune(t)
          // 1,500 readings a day
          await store.write(Array.from({ length: 1500 }, (_, i) => ({ ts: t + i * 57_000, deviceId: `w${i % 50}`, residentId: `r${i % 50}`, fields: { hr: 70, spo2: 97, temp: 36.6 } })))
        }
        sizes.push(await size(db, 'readings'))
      }
      // the table holds four to six weeks at most: from the eighth week on it is no larger than it was then
      const steady = sizes[7]!
      for (const s of sizes.slice(8)) expect(s).toBeLessThanOrEqual(steady * 1.05)
      expect(await count(db)).toBeLessThanOrEqual(6 * 7 * 1500)
    })

    it('keeps a row no leaf covers in the default leaf and moves it into the leaf made for its time', async () => {
      await db.exec('truncate readings')
      const store = new SqlVitalsStore(db, { retentionMs: 90 * DAY })
      const far = NOW + 60 * DAY
      await store.write([{ ts: far, deviceId: 'w-far', residentId: 'r-far', fields: { hr: 66 } }])
      const where = async () => (await db.query<{ leaf: string }>(`select tableoid::regclass::text as leaf from readings where resident_id = 'r-far'`)).rows.map((r) => r.leaf)
      expect(await where()).toEqual(['readings_default'])
      expect(await ensurePartitions(db, READINGS_PARTITIONS, far)).toBeGreaterThan(0)
      const [leaf] = await where()
      expect(leaf).toMatch(/^readings_p\d{8}$/)
      expect(await count(db, 'true', [], 'readings_default')).toBe(0)
      expect((await store.latest('r-far')).hr).toEqual({ value: 66, at: far })
      // made once: a second call makes nothing
      expect(await ensurePartitions(db, READINGS_PARTITIONS, far)).toBe(0)
    })

    it('prunes the position track by days the same way', async () => {
      await db.exec('truncate position_track')
      for (let d = 3; d >= 0; d--) await ensurePartitions(db, TRACK_PARTITIONS, NOW - d * DAY)
      const track = new SqlTrackStore(db)
      await track.write(Array.from({ length: 400 }, (_, i) => ({ ts: NOW - 3 * DAY + i * 0.18 * 3600_000, deviceId: 'w1', residentId: 'r1', lat: 31.2, lng: 121.4, acc: 10, source: 'telemetry' as const })))
      const cut = NOW - DAY
      const kept = await count(db, 'ts >= $1', [new Date(cut)], 'position_track')
      const r = await track.prune(NOW)
      expect(r.partitions).toBeGreaterThanOrEqual(1)
      expect(await count(db, 'ts < $1', [new Date(cut)], 'position_track')).toBe(0)
      expect(await count(db, 'true', [], 'position_track')).toBe(kept)
      expect((await leaves(db, 'position_track')).every((l) => l.to === null || l.to > cut)).toBe(true)
      expect((await track.track('r1', cut, NOW, 1000)).length).toBe(kept)
    })
  })
}

retention('PGlite', async () => {
  const db = await openDb({ dataDir: 'memory://' })
  return { db, close: () => db.close() }
})

describe('migration 0026 on PGlite', () => {
  it('keeps every reading and track point of an unpartitioned table, in leaves by their time', async () => {
    const db = await openDb({ dataDir: 'memory://' })
    try {
      await migrate(db, loadMigrations().filter((m) => m.version < 26))
      const now = Date.now()
      const times = [now - 500 * DAY, now - 30 * DAY, now - 8 * DAY, now - 3600_000, now, now + 400 * DAY]
      for (const [i, t] of times.entries()) {
        await db.query('insert into readings (resident_id, device_id, ts, hr) values ($1, $2, $3, $4)', [`r${i}`, `w${i}`, new Date(t), 60 + i])
      }
      for (const t of [now - 2 * DAY, now - 3600_000, now]) {
        await db.query(`insert into position_track (resident_id, device_id, ts, lat, lng, source) values ('r1', 'w1', $1, 31.2, 121.4, 'telemetry')`, [new Date(t)])
      }
      await migrate(db)
      const kind = async (t: string) => (await db.query<{ k: string }>(`select relkind::text as k from pg_class where oid = $1::regclass`, [t])).rows[0]!.k
      expect(await kind('readings')).toBe('p')
      expect(await kind('position_track')).toBe('p')
      const rows = (await db.query<{ hr: number, ts: Date, leaf: string }>('select hr, ts, tableoid::regclass::text as leaf from readings order by ts')).rows
      expect(rows.map((r) => new Date(r.ts).getTime())).toEqual(times)
      expect(rows.map((r) => r.hr)).toEqual([60, 61, 62, 63, 64, 65])
      // 500 days back and 400 ahead (past what the migration makes leaves for): the default leaf; the others in their weeks
      expect(rows.map((r) => r.leaf === 'readings_default')).toEqual([true, false, false, false, false, true])
      expect(await count(db, 'true', [], 'position_track')).toBe(3)
      expect(await count(db, 'true', [], 'position_track_default')).toBe(0)
      // the leaves ahead exist: this week's and the next two
      const ahead = (await leaves(db, 'readings')).filter((l) => l.to !== null && l.to > now + 14 * DAY)
      expect(ahead.length).toBeGreaterThanOrEqual(1)
    } finally {
      await db.close()
    }
  })
})

const pg = needsPostgres()
describe.skipIf(!pg.ok)('on PostgreSQL', () => {
  let server: PostgresServer
  retention('PostgreSQL 15', async () => {
    server = await startPostgres()
    const db = await openDb({ databaseUrl: await server.createDatabase('retention_partitions') })
    return { db, close: async () => { await db.close(); await server.stop() } }
  })

  it('lets two gateways make the same leaves at once (one makes them, the other finds them)', async () => {
    const pgs = await startPostgres()
    const url = await pgs.createDatabase('partition_makers')
    const a = await openDb({ databaseUrl: url })
    const b = await openDb({ databaseUrl: url })
    try {
      await migrate(a)
      const at = NOW + 200 * DAY
      const made = await Promise.all([ensurePartitions(a, READINGS_PARTITIONS, at), ensurePartitions(b, READINGS_PARTITIONS, at)])
      expect(made.sort()).toEqual([0, 4])
    } finally {
      await a.close()
      await b.close()
      await pgs.stop()
    }
  })
})
