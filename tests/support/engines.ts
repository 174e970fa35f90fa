// A contract held on both engines the platform keeps its state in: an in-memory PGlite, and a
// database of its own on a throwaway PostgreSQL 15 (postgres.ts; skipped without it, failed on CI).
// Each gets the schema (migrate) and the contract's own rows (setup) before its tests.
//
//   onEachEngine('inbox_plans', async (db) => { /* rows */ }, (db) => {
//     it('…', async () => { await db().query(…) })
//   })
import { afterAll, beforeAll, describe } from 'vitest'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { needsPostgres, startPostgres, type PostgresServer } from './postgres.ts'

export type Engine = 'pglite' | 'postgres'

export function onEachEngine (database: string, setup: (db: Db) => Promise<void>, tests: (db: () => Db, engine: Engine) => void): void {
  const contract = (name: string, engine: Engine, open: () => Promise<Db>) => describe(name, () => {
    let db: Db | undefined
    beforeAll(async () => {
      db = await open()
      await migrate(db)
      await setup(db)
    }, 120_000)
    afterAll(async () => { await db?.close() })
    tests(() => db!, engine)
  })
  contract('on PGlite', 'pglite', () => openDb({ dataDir: 'memory://' }))
  const pg = needsPostgres()
  describe.skipIf(!pg.ok)('PostgreSQL', () => {
    let server: PostgresServer
    beforeAll(async () => { server = await startPostgres() })
    afterAll(async () => { await server?.stop() })
    contract('on PostgreSQL 15', 'postgres', async () => openDb({ databaseUrl: await server.createDatabase(database) }))
  })
}

/** A statement that matched `watchedSql`: its text and parameters, the rows it touched and the lane it asked for. */
export interface WatchedStatement { text: string, params: unknown[] | undefined, rows: number, priority: 'alarm' | 'normal' | 'background' | undefined }

/**
 * The database as a store's `sql`, passing every statement to it and recording those whose text
 * matches `pattern` (how many rows each touched, its lane): to count a store's statements against
 * a real engine.
 */
export function watchedSql (db: Db, pattern: RegExp): { sql: Db, statements: WatchedStatement[] } {
  const statements: WatchedStatement[] = []
  const sql = {
    async query (text: string, params?: unknown[], opts?: { priority?: WatchedStatement['priority'] }) {
      const r = await db.query(text, params, opts)
      if (pattern.test(text)) statements.push({ text, params, rows: r.rowCount, priority: opts?.priority })
      return r
    }
  }
  return { sql: sql as unknown as Db, statements }
}
