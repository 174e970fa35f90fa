/**
 * One store interface over the two PostgreSQL engines the platform runs on:
 * PGlite (embedded, default) and PostgreSQL (`DATABASE_URL`). Same SQL, same migrations.
 */
import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>
  /**
   * Inside a transaction: runs `fn` once the transaction has committed (never on rollback).
   * Outside one: runs `fn` at once. Use it for effects others may observe — publishing a
   * command, announcing a change — so nobody acts on a row that is not yet visible.
   */
  afterCommit(fn: () => void): void
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

export interface OpenDbOptions {
  /** PostgreSQL connection string; when absent, PGlite under `dataDir`. */
  databaseUrl?: string
  /** Directory for PGlite's files; `memory://` for a throwaway in-memory database. */
  dataDir?: string
  /** Pool size for PostgreSQL. Default 10. */
  poolSize?: number
}

export async function openDb (opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10)
  return openPGlite(opts.dataDir ?? 'memory://')
}

async function openPGlite (dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true })
  const lite = await PGlite.create(dataDir)
  const wrap = (q: { query: PGlite['query'] }, afterCommit: Queryable['afterCommit'] = runNow): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const r = await q.query<T>(sql, params as any[])
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length }
    },
    afterCommit
  })
  return {
    kind: 'pglite',
    ...wrap(lite),
    async transaction (fn) {
      const hooks: Array<() => void> = []
      const out = await lite.transaction((tx) => fn(wrap(tx, (h) => { hooks.push(h) })))
      runHooks(hooks)
      return out
    },
    exec: async (sql) => { await lite.exec(sql) },
    close: () => lite.close()
  }
}

async function openPostgres (url: string, max: number): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max })
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  const wrap = (c: pg.Pool | pg.PoolClient, afterCommit: Queryable['afterCommit'] = runNow): Queryable => ({
    async query<T>(sql: string, params?: unknown[]) {
      const r = await c.query(sql, params)
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length }
    },
    afterCommit
  })
  await pool.query('select 1')
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction (fn) {
      const client = await pool.connect()
      // A server restart ends a checked-out connection with an 'error' event: unheard, it would
      // crash the process. The statement in flight fails, and the transaction with it.
      let broken: Error | undefined
      const onError = (err: Error) => { broken = err }
      client.on('error', onError)
      const hooks: Array<() => void> = []
      try {
        await client.query('begin')
        const out = await fn(wrap(client, (h) => { hooks.push(h) }))
        await client.query('commit')
        runHooks(hooks)
        return out
      } catch (err) {
        await client.query('rollback').catch(() => {})
        throw err
      } finally {
        client.off('error', onError)
        client.release(broken) // a broken connection is discarded, not returned to the pool
      }
    },
    exec: async (sql) => { await pool.query(sql) },
    close: () => pool.end()
  }
}

function runNow (fn: () => void): void {
  fn()
}

/** After-commit effects must not undo the commit: a throwing hook is reported, not rethrown. */
function runHooks (hooks: Array<() => void>): void {
  for (const h of hooks) {
    try { h() } catch (err) { process.emitWarning(`after-commit hook failed: ${(err as Error).message}`) }
  }
}
