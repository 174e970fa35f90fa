/**
 * Prepared statements (issue 11). On the embedded database PGlite's own query() parses,
 * describes and plans a statement anew every time — for the engine's claim 1.5 ms of the 1.6 it
 * costs — so the worker prepares each statement that reads or writes rows once, by its text, and
 * afterwards only binds and executes it. These tests hold it to PGlite's own answers: the same rows
 * and types, the same errors, nothing left behind by a failure, plans that follow a changed table,
 * and a bounded number of statements kept. On PostgreSQL the same statements go as named statements
 * (parsed once per connection), and a table changed by another connection (another node's
 * migration) does not break them. Real PGlite and PostgreSQL (their own pg_prepared_statements says
 * what is prepared).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '@eldercare/platform'
import { eventually } from '../support/platform.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

let db: Db
beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await db.exec('create table prep_t (id int primary key, note text)')
})
afterAll(async () => { await db?.close() })

/** The texts PostgreSQL holds prepared. */
const preparedTexts = async (): Promise<string[]> =>
  (await db.query<{ statement: string }>('select statement from pg_prepared_statements')).rows.map((r) => r.statement)

/**
 * A leading comment keeps a statement out of the prepared path (only texts that begin with
 * select/insert/update/delete/with are prepared): PGlite's own query() answers it, for comparison.
 */
const unprepared = (sql: string): string => `-- unprepared\n${sql}`

describe('embedded database: prepared statements', () => {
  it('a statement run again is prepared once and answers as PGlite\'s own query() does, type for type', async () => {
    const sql = `select $1::int as i, $2::bigint as big, $3::numeric as num, $4::float8 as f, $5::boolean as b,
                        $6::timestamptz as ts, $7::jsonb as j, $8::json as js, $9::text[] as arr, $10::text as nul,
                        $11::int[] as ints, $12::bytea as bin, $13::date as d, now() - now() as iv`
    const params = [42, '9007199254740993', '1.50', 0.25, true, new Date('2026-11-29T03:00:00Z'), { fall: true, n: [1, 2] },
      { a: 'b' }, ['护理', 'x,y', ''], null, [1, 2, 3], new Uint8Array([0, 255]), '2026-11-29']
    const own = await db.query(unprepared(sql), params)
    const first = await db.query(sql, params)
    const again = await db.query(sql, params)
    expect(first.rows).toEqual(own.rows)
    expect(again.rows).toEqual(own.rows)
    expect(first.rows[0].ts).toBeInstanceOf(Date)
    expect(first.rows[0].j).toEqual({ fall: true, n: [1, 2] })
    expect((await preparedTexts()).filter((t) => t === sql)).toHaveLength(1)
    expect((await preparedTexts()).some((t) => t.startsWith('-- unprepared'))).toBe(false)
  })

  it('writes report their rows and count as before, inside and outside a transaction', async () => {
    const insert = 'insert into prep_t (id, note) values ($1, $2) returning id, note'
    expect(await db.query(insert, [1, 'a'])).toEqual({ rows: [{ id: 1, note: 'a' }], rowCount: 1 })
    await db.transaction(async (tx) => {
      expect(await tx.query(insert, [2, 'b'])).toEqual({ rows: [{ id: 2, note: 'b' }], rowCount: 1 })
      expect((await tx.query('update prep_t set note = $1 where id <= $2', ['c', 2])).rowCount).toBe(2)
    })
    expect((await db.query<{ note: string }>('select note from prep_t where id = any($1::int[]) order by id', [[1, 2]])).rows)
      .toEqual([{ note: 'c' }, { note: 'c' }])
  })

  it('a failure is PostgreSQL\'s error, leaves nothing prepared for a bad text, and the next statement runs', async () => {
    await expect(db.query('select $1::int as n', ['not a number'])).rejects.toMatchObject({ code: '22P02' })
    expect((await db.query('select $1::int as n', [7])).rows).toEqual([{ n: 7 }])
    await expect(db.query('select from from prep_t where id = $1', [1])).rejects.toMatchObject({ code: '42601' })
    expect(await preparedTexts()).not.toContain('select from from prep_t where id = $1')
    await expect(db.query('insert into prep_t (id, note) values ($1, $2)', [1, 'dup'])).rejects.toMatchObject({ code: '23505' })
    // inside a transaction the failure is the transaction's, as before: nothing of it stays
    await expect(db.transaction(async (tx) => {
      await tx.query('insert into prep_t (id, note) values ($1, $2)', [3, 'gone'])
      await tx.query('insert into prep_t (id, note) values ($1, $2)', [1, 'dup'])
    })).rejects.toMatchObject({ code: '23505' })
    expect((await db.query('select id from prep_t where id = $1', [3])).rows).toEqual([])
  })

  it('a table changed under a prepared statement: the statement answers with the table as it is now', async () => {
    const select = 'select * from prep_t where id = $1'
    expect(Object.keys((await db.query(select, [1])).rows[0])).toEqual(['id', 'note'])
    await db.query('alter table prep_t add column ward text')
    expect((await db.query(select, [1])).rows[0]).toEqual({ id: 1, note: 'c', ward: null })
    await db.exec('alter table prep_t drop column ward')
    expect(Object.keys((await db.query(select, [1])).rows[0])).toEqual(['id', 'note'])
  })

  it('keeps at most 256 statements, the most recently used', async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `select $1::int + ${i} as n`)
    for (const [i, sql] of texts.entries()) expect((await db.query(sql, [1])).rows).toEqual([{ n: 1 + i }])
    const held = await preparedTexts()
    expect(held.length).toBeLessThanOrEqual(256)
    expect(held).toContain(texts[299])
    expect(held).not.toContain(texts[0])
    // an evicted text is prepared again when it comes back
    expect((await db.query(texts[0], [2])).rows).toEqual([{ n: 2 }])
  })

  it('prepare: false plans the statement for its parameters every time: nothing prepared for it, and what is prepared stays', async () => {
    const kept = 'select $1::int * 2 as n'
    expect((await db.query(kept, [2])).rows).toEqual([{ n: 4 }])
    const plain = 'select count(*)::int as n from prep_t where id > $1'
    await db.query('insert into prep_t values (101, \'p\'), (102, \'q\')')
    for (let i = 0; i < 7; i++) expect((await db.query(plain, [100], { prepare: false })).rows).toEqual([{ n: 2 }])
    expect((await db.query(plain, [101], { prepare: false, priority: 'background' })).rows).toEqual([{ n: 1 }])
    const held = await preparedTexts()
    expect(held).toContain(kept)
    expect(held).not.toContain(plain)
    // errors are PostgreSQL's, as for any statement
    await expect(db.query('select nope from prep_t where id > $1', [1], { prepare: false })).rejects.toMatchObject({ code: '42703' })
    expect(await preparedTexts()).toContain(kept)
  })
})

const pg = needsPostgres()

describe.skipIf(!pg.ok)('PostgreSQL: named statements', () => {
  let server: PostgresServer | undefined
  let db: Db
  let other: Db
  beforeAll(async () => {
    server = await startPostgres()
    const url = await server.createDatabase('prepared')
    // one connection, so that a statement prepared once is prepared where it runs next
    db = await openDb({ databaseUrl: url, poolSize: 1 })
    other = await openDb({ databaseUrl: url, poolSize: 1 })
    await db.exec('create table prep_t (id int primary key, note text); insert into prep_t values (1, \'a\')')
  })
  afterAll(async () => {
    await db?.close()
    await other?.close()
    await server?.stop()
  })

  it('a statement that reads or writes rows is parsed once on its connection; other statements go unnamed', async () => {
    const sql = 'select $1::int + 1 as n, $2::jsonb as j'
    expect((await db.query(sql, [1, { a: 1 }])).rows).toEqual([{ n: 2, j: { a: 1 } }])
    expect((await db.query(sql, [2, null])).rows).toEqual([{ n: 3, j: null }])
    const held = (await db.query<{ statement: string }>('select statement from pg_prepared_statements')).rows.map((r) => r.statement)
    expect(held.filter((t) => t === sql)).toHaveLength(1)
    await db.query('set application_name = \'prepared_test\'')
    const again = (await db.query<{ statement: string }>('select statement from pg_prepared_statements')).rows.map((r) => r.statement)
    expect(again.some((t) => t.startsWith('set '))).toBe(false)
  })

  it('prepare: false goes unnamed: nothing prepared for it on the connection', async () => {
    const plain = 'select $1::int + 10 as n'
    for (let i = 0; i < 7; i++) expect((await db.query(plain, [i], { prepare: false })).rows).toEqual([{ n: 10 + i }])
    const held = (await db.query<{ statement: string }>('select statement from pg_prepared_statements')).rows.map((r) => r.statement)
    expect(held).not.toContain(plain)
  })

  it('a table changed by another connection under a prepared select *: answered anew outside a transaction, a failed transaction at most once inside one', async () => {
    const select = 'select * from prep_t where id = $1'
    expect((await db.query(select, [1])).rows).toEqual([{ id: 1, note: 'a' }])
    await other.query('alter table prep_t add column ward text')
    expect((await db.query(select, [1])).rows).toEqual([{ id: 1, note: 'a', ward: null }])
    await other.query('alter table prep_t drop column ward')
    await expect(db.transaction((tx) => tx.query(select, [1]))).rejects.toMatchObject({ code: '0A000' })
    expect((await db.transaction((tx) => tx.query(select, [1]))).rows).toEqual([{ id: 1, note: 'a' }])
  })

  /** Ends the server side of every connection running `select pg_sleep` (as a PostgreSQL restart does: 57P01, then the socket closes). */
  async function cutSleepers (): Promise<void> {
    const sleeping = async () => (await other.query<{ pid: number }>(
      'select pid from pg_stat_activity where query like \'select pg_sleep%\' and pid <> pg_backend_pid()')).rows
    for (let i = 0; i < 200 && (await sleeping()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const pids = (await sleeping()).map((r) => r.pid)
    expect(pids.length).toBeGreaterThan(0)
    for (const pid of pids) await other.query('select pg_terminate_backend($1)', [pid])
  }

  // A connection checked out of the pool has no listener of the pool's: unheard, the 'error' its
  // client emits when the server goes away would end the process. (A suspect, not confirmed, for
  // a platform node that once exited when PostgreSQL restarted: tests/scaled/losing-a-node.test.ts.)
  // Vitest fails the run on such an error; removing the transaction's listener makes it fail.
  it('a connection cut by the server while its statement runs: the statement fails, the process stays up, the next statement reconnects', async () => {
    // the outcome taken at once: the statement fails while cutSleepers is still waiting for its
    // own answer, and a rejection nobody has heard yet counts as unhandled
    const outcome = (p: Promise<unknown>) => p.then(() => null, (err: Error) => err)
    const running = outcome(db.query('select pg_sleep(30)'))
    await cutSleepers()
    expect((await running)?.message).toMatch(/terminat/)
    expect((await db.query('select $1::int as n', [5])).rows).toEqual([{ n: 5 }])

    const inTx = outcome(db.transaction((tx) => tx.query('select pg_sleep(30)')))
    await cutSleepers()
    expect((await inTx)?.message).toMatch(/terminat/)
    expect((await db.transaction((tx) => tx.query('select $1::int as n', [6]))).rows).toEqual([{ n: 6 }])
    // give a late 'error' event its turn to surface before the test ends
    await new Promise((resolve) => setTimeout(resolve, 100))
  })

  it('connections cut again and again while short statements come and go: each statement answers or fails, the process stays up', async () => {
    // the end of a connection can land between a statement's answer and its release, with no
    // statement to take it (a platform node died so in CI when PostgreSQL restarted)
    let stop = false
    const cutPids = new Set<number>()
    const cutter = (async () => {
      while (!stop) {
        const { rows } = await other.query<{ pid: number }>('select pid, pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and application_name = \'\'')
          .catch(() => ({ rows: [] }))
        for (const r of rows) cutPids.add(r.pid)
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    })()
    let answered = 0
    let cut = 0
    const until = Date.now() + 1500
    while (Date.now() < until) {
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => db.query('select $1::int as n', [i])))
      for (const r of results) {
        if (r.status === 'fulfilled') answered++
        else { expect(String((r.reason as Error).message)).toMatch(/terminat|connection error|ECONNRESET|closed/i); cut++ }
      }
    }
    stop = true
    await cutter
    expect(answered).toBeGreaterThan(0)
    expect(cut).toBeGreaterThan(0)
    // the last cut may still be on its way to an idle pooled connection (as just after a restart,
    // when the first statement on such a connection fails): once every cut backend has left
    // pg_stat_activity its end has been sent, and a turn of the loop later the pool has heard it
    await eventually(async () => (await other.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where pid = any($1::int[])', [[...cutPids]])).rows[0].n === 0,
      5000, 'every cut backend gone from pg_stat_activity')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect((await db.query('select $1::int as n', [7])).rows).toEqual([{ n: 7 }])
    await new Promise((resolve) => setTimeout(resolve, 100))
  })
})
