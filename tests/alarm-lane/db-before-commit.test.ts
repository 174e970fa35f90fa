/**
 * A transaction's last statements travel with its COMMIT (issue 11): `Transaction.beforeCommit`
 * queues a statement nobody needs the answer of (the family's outbox row of a new fall) to run in
 * the transaction right before COMMIT — on PGlite in the same message to its worker thread as the
 * COMMIT, on PostgreSQL as ordinary statements before `commit`. Same semantics on both, on the
 * real engines: committed with the transaction, gone with its rollback, and a failing one rolls
 * the whole transaction back and is its error, with no after-commit hook run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db, type StatementTiming, type Transaction } from '@eldercare/platform'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

const pg = needsPostgres()

interface Engine { open(): Promise<Db>, close(): Promise<void> }

function beforeCommitSuite (engine: Engine) {
  let db: Db
  beforeAll(async () => {
    db = await engine.open()
    await db.exec('create table bc_t (id int primary key, note text)')
  })
  afterAll(async () => {
    await db?.close()
    await engine.close()
  })

  const ids = async (): Promise<number[]> => (await db.query<{ id: number }>('select id from bc_t order by id')).rows.map((r) => r.id)
  /** The statement timings of what `run` does (on PGlite one per message to the worker). */
  const timings = async (run: () => Promise<unknown>): Promise<StatementTiming['lane'][]> => {
    const seen: StatementTiming['lane'][] = []
    db.onStatement = (t) => { seen.push(t.lane) }
    try { await run() } finally { db.onStatement = undefined }
    return seen
  }

  it('queued statements run in the transaction, after its own and in order, and are visible once it commits', async () => {
    let inside: number[] = []
    let hooked = 0
    const out = await db.transaction(async (tx) => {
      await tx.query('insert into bc_t (id) values (1)')
      tx.beforeCommit('insert into bc_t (id, note) values ($1, $2)', [2, 'queued'])
      // runs after the insert queued before it: it finds the row, so the order is kept
      tx.beforeCommit("update bc_t set note = 'seen by the next' where id = 2")
      tx.afterCommit(() => { hooked++ })
      inside = (await tx.query<{ id: number }>('select id from bc_t order by id')).rows.map((r) => r.id)
      return 'done'
    })
    expect(out).toBe('done')
    // not run while fn ran: queued for the commit
    expect(inside).toEqual([1])
    expect(await ids()).toEqual([1, 2])
    expect((await db.query<{ note: string }>('select note from bc_t where id = 2')).rows[0].note).toBe('seen by the next')
    expect(hooked).toBe(1)
    await db.query('delete from bc_t')
  })

  it('a queued statement\'s result comes back once the transaction committed (the incident written with the COMMIT, announced after it)', async () => {
    let result!: Promise<{ rows: Array<{ id: number, note: string }>, rowCount: number }>
    let settledInside = false
    await db.transaction(async (tx) => {
      await tx.query('insert into bc_t (id) values (30)')
      result = tx.beforeCommit<{ id: number, note: string }>("insert into bc_t (id, note) values ($1, 'returned') returning id, note", [31])
      void result.then(() => { settledInside = true })
      // not run yet, so not settled while fn runs
      await tx.query('select 1')
      expect(settledInside).toBe(false)
    })
    expect(await result).toMatchObject({ rows: [{ id: 31, note: 'returned' }], rowCount: 1 })
    await db.query('delete from bc_t')
  })

  it('a queued statement\'s result is rejected when the transaction does not commit, and unawaited it is no unhandled rejection', async () => {
    await db.query('insert into bc_t (id) values (40)')
    let first!: Promise<unknown>
    const err = await db.transaction(async (tx) => {
      first = tx.beforeCommit('insert into bc_t (id) values (41)')
      tx.beforeCommit('insert into bc_t (id) values (40)') // the key exists: fails at the commit
      void tx.beforeCommit('insert into bc_t (id) values (42)') // ignored by its caller
    }).catch((e: Error & { code?: string }) => e)
    expect((err as { code?: string }).code).toBe('23505')
    await expect(first).rejects.toMatchObject({ code: '23505' })
    expect(await ids()).toEqual([40])
    await db.query('delete from bc_t')
  })

  it('queued statements are gone with a rollback: fn throws, nothing of the transaction stays', async () => {
    const err = await db.transaction(async (tx) => {
      await tx.query('insert into bc_t (id) values (10)')
      tx.beforeCommit('insert into bc_t (id) values (11)')
      throw new Error('changed my mind')
    }).catch((e: Error) => e)
    expect((err as Error).message).toBe('changed my mind')
    expect(await ids()).toEqual([])
  })

  it('[P-4.1] a failing queued statement rolls the whole transaction back, is its error (with PostgreSQL\'s fields), runs no later one and no after-commit hook', async () => {
    await db.query('insert into bc_t (id) values (20)')
    let hooked = 0
    const err = await db.transaction(async (tx) => {
      await tx.query('insert into bc_t (id) values (21)')
      tx.beforeCommit('insert into bc_t (id) values (22)')
      tx.beforeCommit('insert into bc_t (id) values (20)') // duplicate key
      tx.beforeCommit('insert into bc_t (id) values (23)')
      tx.afterCommit(() => { hooked++ })
      return 'should not commit'
    }).catch((e: Error & { code?: string, constraint?: string }) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ code: '23505', constraint: 'bc_t_pkey' })
    expect(hooked).toBe(0)
    expect(await ids()).toEqual([20])
    // the database is usable after it: the failed transaction ended
    await db.transaction(async (tx) => { tx.beforeCommit('insert into bc_t (id) values (24)') })
    expect(await ids()).toEqual([20, 24])
    await db.query('delete from bc_t')
  })

  it('a transaction of queued statements only commits them; a failing first one rolls back and rejects', async () => {
    await db.transaction(async (tx) => {
      tx.beforeCommit('insert into bc_t (id) values (30)')
      tx.beforeCommit('insert into bc_t (id) values (31)')
    })
    expect(await ids()).toEqual([30, 31])
    const err = await db.transaction(async (tx) => {
      tx.beforeCommit('insert into bc_t (id) values (30)') // duplicate key, and the transaction's first statement
      tx.beforeCommit('insert into bc_t (id) values (32)')
    }).catch((e: Error & { code?: string }) => e)
    expect(err).toMatchObject({ code: '23505' })
    expect(await ids()).toEqual([30, 31])
    await db.query('delete from bc_t')
  })

  it('a statement queued after the transaction\'s function returned throws instead of missing the commit', async () => {
    let late: Transaction | undefined
    await db.transaction(async (tx) => { late = tx; await tx.query('insert into bc_t (id) values (40)') })
    expect(() => late!.beforeCommit('insert into bc_t (id) values (41)')).toThrow(/already committing or over/)
    expect(await ids()).toEqual([40])
    await db.query('delete from bc_t')
  })

  it('statements issued together (one message to PGlite\'s worker, pipelined on PostgreSQL) run in order; the first failure is the transaction\'s error and nothing commits', async () => {
    const [a, b] = await db.transaction((tx) => Promise.all([
      tx.query('insert into bc_t (id, note) values (70, $1) returning id', ['first']),
      tx.query<{ note: string }>("update bc_t set note = note || ' then second' where id = 70 returning note")
    ]))
    expect(a.rowCount).toBe(1)
    expect(b.rows[0].note).toBe('first then second')
    let after = 0
    const err = await db.transaction(async (tx) => {
      tx.afterCommit(() => { after++ })
      await Promise.all([
        tx.query('insert into bc_t (id) values (71)'),
        tx.query('insert into bc_t (id) values (70)'), // duplicate key
        tx.query('insert into bc_t (id) values (72)') // refused: the transaction is aborted
      ])
    }).catch((e: Error & { code?: string }) => e)
    expect(err).toMatchObject({ code: '23505' })
    expect(after).toBe(0)
    expect(await ids()).toEqual([70])
    // a function that caught a failed statement and went on: PostgreSQL answers its COMMIT with a
    // ROLLBACK; that is an error of the transaction, not a success with nothing written
    const swallowed = await db.transaction(async (tx) => {
      tx.afterCommit(() => { after++ })
      await tx.query('insert into bc_t (id) values (75)')
      await tx.query('insert into bc_t (id) values (70)').catch(() => {})
      return 'went on'
    }).catch((e: Error) => e)
    expect(swallowed).toBeInstanceOf(Error)
    expect(after).toBe(0)
    expect(await ids()).toEqual([70])
    // a transaction that failed at its commit (a deferred constraint) rolls back and says why
    await db.exec('create table bc_ref (id int primary key, ref int references bc_t (id) deferrable initially deferred)')
    const atCommit = await db.transaction(async (tx) => {
      tx.afterCommit(() => { after++ })
      await tx.query('insert into bc_ref (id, ref) values (1, 999)')
      tx.beforeCommit('insert into bc_t (id) values (73)')
    }).catch((e: Error & { code?: string }) => e)
    expect(atCommit).toMatchObject({ code: '23503' })
    expect(after).toBe(0)
    expect(await ids()).toEqual([70])
    expect((await db.query('select id from bc_ref')).rowCount).toBe(0)
    // the connection (PostgreSQL: back in the pool) serves the next transaction as before
    await db.transaction(async (tx) => { await tx.query('insert into bc_t (id) values (74)') })
    expect(await ids()).toEqual([70, 74])
    await db.exec('drop table bc_ref')
    await db.query('delete from bc_t')
  })

  it('each queued statement is timed in the transaction\'s lane (PostgreSQL) or the commit\'s message carries them (PGlite)', async () => {
    const queued = await timings(() => db.transaction(async (tx) => {
      await tx.query('insert into bc_t (id) values (50)')
      for (let id = 51; id <= 53; id++) tx.beforeCommit('insert into bc_t (id) values ($1)', [id])
    }))
    const awaited = await timings(() => db.transaction(async (tx) => {
      await tx.query('insert into bc_t (id) values (60)')
      for (let id = 61; id <= 63; id++) await tx.query('insert into bc_t (id) values ($1)', [id])
    }))
    expect(await ids()).toEqual([50, 51, 52, 53, 60, 61, 62, 63])
    if (db.kind === 'pglite') {
      // one timing per message to the worker: begin with the first insert (alarm lane), then the
      // commit carrying the three queued inserts — against one message per awaited insert
      expect(queued).toEqual(['alarm', 'tx'])
      expect(awaited).toEqual(['alarm', 'tx', 'tx', 'tx', 'tx'])
    } else {
      // node-postgres: every statement of a transaction is timed, queued or not, and its begin
      // (carrying the wait for a connection); the commit is not
      expect(queued).toEqual(['tx', 'tx', 'tx', 'tx', 'tx'])
      expect(awaited).toEqual(['tx', 'tx', 'tx', 'tx', 'tx'])
    }
    await db.query('delete from bc_t')
  })
}

describe('Transaction.beforeCommit on PGlite (its worker thread)', () => {
  beforeCommitSuite({ open: () => openDb({ dataDir: 'memory://' }), close: async () => {} })
})

describe.skipIf(!pg.ok)('Transaction.beforeCommit on PostgreSQL', () => {
  let server: PostgresServer | undefined
  beforeCommitSuite({
    open: async () => {
      server = await startPostgres()
      return openDb({ databaseUrl: await server.createDatabase('before_commit') })
    },
    close: async () => { await server?.stop() }
  })
})
