/**
 * One store interface over the two PostgreSQL engines the platform runs on:
 * PGlite (embedded, default) and PostgreSQL (`DATABASE_URL`). Same SQL, same migrations.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import pg from 'pg'
import { Fifo } from '@eldercare/common'

export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

/**
 * Where a statement queues while the embedded database is busy (issue 11, "the alarm lane"):
 * PGlite serves one statement at a time, so under load the order is what an alarm waits for.
 * `alarm` goes first (the durable inbox, the incident engine), `normal` next (the default:
 * API requests, authentication), `background` last (bookkeeping written in batches: presence,
 * readings, caches). Transactions default to `alarm`: they are the writes someone waits for.
 * PostgreSQL ignores it: its pool serves statements side by side.
 */
export type Priority = 'alarm' | 'normal' | 'background'
export interface QueryOptions {
  priority?: Priority
  /**
   * false: plan this statement for its parameters every time instead of keeping it prepared
   * (below). For a statement run with parameters that change what the best plan is — a report's
   * slices of a period, whose rows vary by orders of magnitude — where the plan PostgreSQL settles
   * on after five runs of a prepared statement (a generic one, for any parameters) can be a
   * hundred times slower than a custom one (issue 11: a coverage statement, 40 ms → 1.2 s on
   * PGlite). Costs the parse and plan each time (~1–2 ms on PGlite). Default true.
   */
  prepare?: boolean
}

/**
 * One statement's timing, for `/metrics` (issue 11: where an alarm's milliseconds go).
 * `waitS`: queued in its lane before it was handed to the database (PGlite), or waiting for a
 * connection of the pool (PostgreSQL; a transaction's with its begin); `callS`: from then until its
 * answer was back on this thread (for PGlite that includes both thread hops).
 */
export interface StatementTiming { lane: Priority | 'tx', waitS: number, callS: number }

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<QueryResult<T>>
  /**
   * Inside a transaction: runs `fn` once the transaction has committed (never on rollback).
   * Outside one: runs `fn` at once. Use it for effects others may observe — publishing a
   * command, announcing a change — so nobody acts on a row that is not yet visible.
   */
  afterCommit(fn: () => void): void
}

/** What `Db.transaction` hands its `fn`: a Queryable that can also queue statements for its commit. */
export interface Transaction extends Queryable {
  /**
   * Queues a statement whose result nobody in the transaction needs (an outbox row whose id the
   * caller made; an incident whose row is only announced after the commit) to run inside this
   * transaction right before its COMMIT, in the order queued. On PGlite it travels to the worker
   * in the same message as the COMMIT: one round trip fewer on the alarm path (issue 11). On
   * PostgreSQL it is written with the COMMIT (pipeline mode): one round trip too, same semantics.
   * If it fails, the whole transaction rolls back and `transaction()` rejects with its error (as if
   * it had been awaited), and no `afterCommit` hook runs. Only while `fn` runs: queued after `fn`
   * has settled it throws. Only on a transaction: outside one there is no commit to run with and
   * nobody to hear its failure, so such callers await `query` (see `inTransaction`).
   *
   * Returns the statement's result once the transaction has committed (rejected when it did not);
   * a caller that does not need it may ignore it (its rejection is handled).
   */
  beforeCommit<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>
}

export { jsonColumn } from '@eldercare/common'

/**
 * True where statements run one at a time and alarms' among them: the embedded database (PGlite
 * serves one statement at a time, to its end, in the worker every fall's insert and incident wait
 * for), or a transaction, whose engine is not told. False for PostgreSQL's pool, whose
 * connections run statements side by side. Long reads go in pages where it is true (issue 11,
 * ARCHITECTURE.md: no report may hold what an alarm's insert waits for).
 */
export function oneAtATime (q: Queryable): boolean {
  return (q as Partial<Db>).kind !== 'postgres'
}

/**
 * About how many rows one statement of a long read handles (inPages): ~20–30 ms on PGlite for
 * residents with their assessments and history (a city's 10,000 in one statement held its worker
 * ~130 ms), the worker's parsing of the rows included.
 */
export const ROWS_PER_STATEMENT = 1000

/**
 * `run` over `items` a page at a time, in order; the answers in order. On every engine: where
 * statements run one at a time (`oneAtATime`) no statement then holds the alarms' worker long, and
 * everywhere no answer takes the event loop long to turn into rows (node-postgres turns what one
 * socket read brings into rows in one go: a city's 10,000 residents held the loop 35–50 ms). Each
 * page is read on its own: what `run` answers for one item must not depend on the others.
 */
export async function inPages<T, R> (items: readonly T[], run: (page: readonly T[]) => Promise<R>, size = ROWS_PER_STATEMENT): Promise<R[]> {
  if (items.length <= size) return [await run(items)]
  const out: R[] = []
  for (let i = 0; i < items.length; i += size) out.push(await run(items.slice(i, i + size)))
  return out
}

/**
 * Rows of a long list read per statement (rowsInOrder): ~5 ms of PGlite's worker for residents
 * with all their columns (issue 11: 5,000 residents in one statement held a fall's PUBACK 0.5 s).
 */
export const LIST_PAGE_ROWS = 200

/**
 * The rows of `ids` read a page of ids per statement (`read(page)` answers them in any order),
 * answered in the order of `ids`; an id whose row is gone meanwhile is left out. With a narrow
 * first statement that lists the ids in order, a long list is read without one statement — on
 * PGlite, holding the alarms' worker — or one socket read — on PostgreSQL, node-postgres turning
 * it into rows in one go — carrying all of it (issue 11).
 */
export async function rowsInOrder<R extends { id: string }> (ids: readonly string[], read: (page: readonly string[]) => Promise<R[]>, size = LIST_PAGE_ROWS): Promise<R[]> {
  if (!ids.length) return []
  const byId = new Map<string, R>()
  await inPages(ids, async (page) => { for (const r of await read(page)) byId.set(r.id, r) }, size)
  const out: R[] = []
  for (const id of ids) { const r = byId.get(id); if (r) out.push(r) }
  return out
}

/**
 * A long list read as its ids in order — `idsSql` with `params`, one narrow statement answering
 * `id`s — then its rows by `rowsSql`, whose `$1` is a page of those ids (rowsInOrder).
 */
export async function listByIds<R extends { id: string }> (q: Queryable, idsSql: string, params: unknown[], rowsSql: string): Promise<R[]> {
  const { rows } = await q.query<{ id: string }>(idsSql, params)
  return rowsInOrder(rows.map((r) => r.id), async (page) => (await q.query<R>(rowsSql, [page])).rows)
}

/**
 * `insert into <table> (<columns>) values (…), (…), …`: many rows in one statement (issue 11: a
 * bulk import's rows one statement each held the embedded database a round trip per row). The
 * columns are the union of the rows' keys, in the order first seen; a key a row lacks, or holds
 * `undefined`, is `DEFAULT` there — what a one-row insert leaving the column out would store.
 * Parameters are numbered after `params` (given: they come first, e.g. for a CTE around it).
 * Table and column names come from code, never from input.
 */
export function insertValues (table: string, rows: ReadonlyArray<Record<string, unknown>>, params: unknown[] = []): { sql: string, params: unknown[] } {
  if (!rows.length) throw new Error(`insertValues: no rows for ${table}`)
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const tuples = rows.map((r) => `(${columns.map((c) => {
    if (r[c] === undefined) return 'DEFAULT'
    params.push(r[c])
    return `$${params.length}`
  }).join(', ')})`)
  return { sql: `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`, params }
}

/** True when `q` is a transaction's (it can queue statements for its commit). */
export function inTransaction (q: Queryable): q is Transaction {
  return typeof (q as Partial<Transaction>).beforeCommit === 'function'
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws (see `Transaction`). */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, opts?: QueryOptions): Promise<T>
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
  /** Told of every statement's timing (one listener; the metrics). Cheap: two clock reads per statement. */
  onStatement?: (t: StatementTiming) => void
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

/**
 * Statements that read or write rows — what both engines keep prepared (issue 11): PGlite by text
 * in its worker, PostgreSQL as named statements per connection. Anything else (DDL, DO blocks,
 * SET) runs unprepared, and on PGlite closes what is prepared, since a changed table may change
 * what a prepared SELECT returns.
 */
const ROW_STATEMENT = /^\s*(select|insert|update|delete|with)\b/i
/** At most this many statement texts kept prepared (per PGlite worker; per process on PostgreSQL). */
const PREPARED_MAX = 256

/**
 * PGlite runs in a worker thread of its own (issue 11, "the embedded database off the event
 * loop"). PGlite is PostgreSQL compiled to WebAssembly: every statement runs synchronously on
 * the thread that owns it, so in-process a presence batch, a readings insert or a report held
 * the event loop that MQTT, HTTP and socket.io share — alarms waited behind them. In a worker
 * the database works on the other core and the main thread only posts statements and receives
 * rows. Why a worker behind this interface rather than `@electric-sql/pglite-socket` and `pg`:
 * the rows keep PGlite's own types (Date, objects for json, numbers) so nothing else changes,
 * there is no wire protocol to encode and parse twice, and the files under DATA_DIR are the
 * same PGlite files. Interactive transactions hold PGlite's lock in the worker exactly as they
 * did in-process: statements outside the transaction wait for it, as before.
 *
 * The worker's code is plain CommonJS evaluated from a string, so it runs the same under tsx,
 * vitest and a compiled build without a loader (it only needs PGlite and worker_threads).
 */
const PGLITE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { PGlite, parse: pgParse, protocol } = require(workerData.pglitePath)
let lite = null
const txs = new Map()
let nextTx = 1
const reply = (id, result) => parentPort.postMessage({ id, result })
// PostgreSQL's error fields (code, detail, constraint …) cross the thread as plain values
const plain = (err) => {
  const o = { message: String((err && err.message) || err), name: (err && err.name) || 'Error' }
  if (err && typeof err === 'object') for (const k of Object.keys(err)) {
    const v = err[k]
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') o[k] = v
  }
  return o
}
const fail = (id, err) => parentPort.postMessage({ id, error: plain(err) })
const collect = () => {
  try { require('node:v8').setFlagsFromString('--expose-gc'); require('node:vm').runInNewContext('gc')() } catch {}
}
// Prepared statements. PGlite's query() parses, describes and plans its statement again every
// time; for the engine's claim that is 1.5 ms of the 1.6 it costs, for a small lookup three
// quarters (issue 11: a fall's statements on PGlite, measured side by side). Statements that read or
// write rows are prepared once under a name of their own, by their text, and later only bound and
// executed: PostgreSQL keeps their parse trees and plans (replanned when a table they use changes,
// and from the sixth use a generic plan when it costs no more than the custom ones). At most
// PREPARED_MAX texts are kept, the least recently used closed first. Any other statement (DDL, a
// DO block: migrations) closes them all once it has run, as a changed table may change what a
// prepared SELECT returns ("cached plan must not change result type").
const PREPARED_MAX = ${PREPARED_MAX}
const prepared = new Map()
let nextName = 1
const ROW_STATEMENT = /${ROW_STATEMENT.source}/i
const canPrepare = !!(protocol && protocol.serialize && pgParse && pgParse.parseResults)
const wire = (msg) => lite.execProtocolStream(msg, { syncToFs: false })
async function closeAll () {
  const names = [...prepared.values()].map((s) => s.name)
  prepared.clear()
  if (!names.length) return
  await lite._runExclusiveQuery(async () => {
    try { for (const name of names) await wire(protocol.serialize.close({ type: 'S', name })) } finally { await wire(protocol.serialize.sync()) }
  })
}
/** One statement on PGlite (inTx: the transaction this thread holds is the caller's). */
async function query (target, sql, params, inTx, plain) {
  // planned for its parameters (QueryOptions.prepare false): PGlite's own query(), an unnamed
  // statement; it reads or writes rows, so what is prepared stays
  if (plain && ROW_STATEMENT.test(sql)) return target.query(sql, params)
  if (!canPrepare || !ROW_STATEMENT.test(sql)) {
    const r = await target.query(sql, params)
    await closeAll()
    return r
  }
  const run = () => lite._runExclusiveQuery(() => bound(sql, params || [], inTx))
  return inTx ? run() : lite._runExclusiveTransaction(run)
}
async function bound (sql, params, inTx) {
  const ser = protocol.serialize
  const messages = []
  let s = prepared.get(sql)
  try {
    if (s) { prepared.delete(sql); prepared.set(sql, s) } else {
      if (prepared.size >= PREPARED_MAX) {
        const [oldest, old] = prepared.entries().next().value
        prepared.delete(oldest)
        await wire(ser.close({ type: 'S', name: old.name }))
      }
      const name = 'eldercare_' + nextName++
      await wire(ser.parse({ name, text: sql }))
      s = { name, types: pgParse.parseDescribeStatementResults(await wire(ser.describe({ type: 'S', name }))) }
      prepared.set(sql, s)
    }
    const values = params.map((v, i) => {
      if (v === null || v === undefined) return null
      const serialize = lite.serializers[s.types[i]]
      return serialize ? serialize(v) : v.toString()
    })
    messages.push(...await wire(ser.bind({ statement: s.name, values })), ...await wire(ser.describe({ type: 'P' })), ...await wire(ser.execute({})))
  } catch (err) {
    if (err && typeof err === 'object') err.query = sql // as PGlite's query() has it
    throw err
  } finally {
    messages.push(...await wire(ser.sync()))
  }
  if (!inTx) await lite.syncToFs()
  return pgParse.parseResults(messages, lite.parsers)[0]
}
// rowCount as node-postgres gives it: the rows a statement changed, else the rows it returned
// (PGlite's affectedRows is 0 for a SELECT)
const answer = (r) => ({ rows: r.rows, rowCount: r.affectedRows || r.rows.length })
// Statements outside a transaction carry their lane and run here by priority, one at a time (PGlite
// runs one anyway): an alarm posted after two readings batches runs after the one running, not after
// both. A begun transaction's own statements ('query' with a tx, 'batch', 'end') run at once: the
// transaction holds PGlite's lock, and queueing them behind statements waiting for it would deadlock.
const lanes = { alarm: [], normal: [], background: [] }
let running = false
parentPort.on('message', (m) => {
  if (!m.lane) { void handle(m); return }
  lanes[m.lane].push(m)
  if (!running) void run()
})
const turn = () => new Promise((resolve) => setImmediate(resolve))
async function run () {
  running = true
  try {
    for (;;) {
      // one turn of this thread's loop first, so that statements posted meanwhile are sorted in
      await turn()
      const m = lanes.alarm.shift() || lanes.normal.shift() || lanes.background.shift()
      if (!m) return
      await handle(m)
    }
  } finally { running = false }
}
async function handle (m) {
  try {
    if (m.op === 'open') {
      // PostgreSQL's shared buffers live in PGlite's WebAssembly memory, which never shrinks: the
      // default 128MB became resident under load. The embedded store's hot set (inbox, incidents,
      // the registry, the newest readings) fits far smaller, and the files under DATA_DIR stay in
      // the OS page cache besides (issue 11: the whole process within 1 GiB at 10,000 devices).
      lite = await PGlite.create(m.dataDir, { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=' + workerData.sharedBuffers] })
      // Starting leaves hundreds of MiB of garbage (initdb's WebAssembly instance, the file bundle)
      // that an idle thread would keep for ever: collect it once, now.
      setTimeout(collect, 100)
      return reply(m.id, null)
    }
    if (m.op === 'query') {
      const t = m.tx ? txs.get(m.tx) : null
      if (m.tx && !t) throw new Error('the transaction is already over')
      const r = await query(t ? t.tx : lite, m.sql, m.params, !!t, m.plain === true)
      return reply(m.id, answer(r))
    }
    if (m.op === 'batch') {
      // a transaction's statements issued together, run in order: one message each way for all
      const t = txs.get(m.tx)
      if (!t) throw new Error('the transaction is already over')
      const out = []
      for (const q of m.queries) {
        try {
          const r = await query(t.tx, q.sql, q.params, true)
          out.push(answer(r))
        } catch (err) { out.push({ error: plain(err) }) }
      }
      return reply(m.id, out)
    }
    if (m.op === 'exec') { await lite.exec(m.sql); await closeAll(); return reply(m.id, null) }
    if (m.op === 'begin') {
      // begins and runs the transaction's first statement in one message: one thread hop fewer
      const txId = nextTx++
      let began = false
      const entry = {}
      entry.done = lite.transaction((tx) => new Promise((resolve, reject) => {
        began = true
        Object.assign(entry, { tx, resolve, reject })
        txs.set(txId, entry)
        query(tx, m.sql, m.params, true).then(
          (r) => reply(m.id, { tx: txId, ...answer(r) }),
          (err) => reply(m.id, { tx: txId, error: plain(err) }))
      }))
      entry.done.catch((err) => { if (!began) fail(m.id, err) })
      return
    }
    if (m.op === 'end') {
      const t = txs.get(m.tx)
      txs.delete(m.tx)
      if (!t) throw new Error('the transaction is already over')
      if (m.commit) {
        // the statements queued for the commit (Transaction.beforeCommit), in order, in this same
        // message; the first that fails rolls the whole transaction back and is the answer; their
        // results are the answer of a commit that succeeds
        const results = []
        for (const q of m.queries || []) {
          try {
            const r = await query(t.tx, q.sql, q.params, true)
            results.push(answer(r))
          } catch (err) {
            t.reject(err)
            await t.done.catch(() => {})
            return fail(m.id, err)
          }
        }
        t.resolve()
        try { await t.done; return reply(m.id, results) } catch (err) { return fail(m.id, err) }
      }
      t.reject(new Error('rolled back'))
      try { await t.done } catch {}
      return reply(m.id, null)
    }
    if (m.op === 'close') { if (lite) await lite.close(); lite = null; return reply(m.id, null) }
    throw new Error('unknown operation ' + m.op)
  } catch (err) { fail(m.id, err) }
}
`

/** A statement queued for a transaction's commit (Transaction.beforeCommit). */
interface QueuedStatement { sql: string, params?: unknown[] }

/**
 * A transaction's statements for its commit. Closed once `fn` has settled: a statement queued
 * later (by a chain `fn` did not await) would silently miss the commit, so it throws instead.
 * Each statement's promise settles with the transaction: its result once committed (`committed`),
 * the transaction's error otherwise (`failed`).
 */
class CommitQueue {
  private readonly statements: Array<QueuedStatement & { resolve: (r: QueryResult<any>) => void, reject: (e: Error) => void }> = []
  private closed = false
  add = <T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
    if (this.closed) throw new Error('beforeCommit: the transaction is already committing or over (queue statements before its function returns)')
    const p = new Promise<QueryResult<T>>((resolve, reject) => {
      this.statements.push(params === undefined ? { sql, resolve, reject } : { sql, params, resolve, reject })
    })
    p.catch(() => {}) // a caller that does not await it must not see an unhandled rejection
    return p
  }

  /** No more statements; returns those queued (sql and params). */
  close (): QueuedStatement[] {
    this.closed = true
    return this.statements.map(({ sql, params }) => (params === undefined ? { sql } : { sql, params }))
  }

  /** The transaction committed: each statement's result, in the order queued. */
  committed (results: ReadonlyArray<QueryResult<any>>): void {
    this.statements.forEach((s, i) => s.resolve(results[i]))
  }

  /** The transaction did not commit. */
  failed (err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err))
    for (const s of this.statements) s.reject(e)
  }
}

type WorkerOp =
  | { op: 'open', dataDir: string }
  | { op: 'query', sql: string, params?: unknown[], tx?: number, plain?: boolean }
  | { op: 'batch', tx: number, queries: Array<{ sql: string, params?: unknown[] }> }
  | { op: 'exec', sql: string }
  | { op: 'begin', sql: string, params?: unknown[] }
  | { op: 'end', tx: number, commit: boolean, queries?: QueuedStatement[] }
  | { op: 'close' }

/** PGlite's `shared_buffers` (see the worker's 'open'). */
const PGLITE_SHARED_BUFFERS = '32MB'

/**
 * Operations of the lower lanes (normal, background) in the worker at once: one running, one ready
 * to run, so the worker never waits a thread hop for its next statement. The alarm lane's are
 * posted at once, whatever is in flight: the worker runs what waits there by lane (see its
 * `run`), so an alarm waits for at most the one statement running (issue 11: a readings batch
 * takes 3 ms, at times 30), never for the lower statements queued behind it.
 */
const LOW_IN_FLIGHT = 2

/** The main thread's end of the PGlite worker: one promise per posted operation. */
class PGliteThread {
  private readonly worker: Worker
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  private nextId = 1
  private dead: Error | null = null
  /** the lower lanes' operations waiting for a place in the worker (the alarm lane's go at once) */
  private readonly lanes: Record<Exclude<Priority, 'alarm'>, Fifo<() => void>> = { normal: new Fifo(), background: new Fifo() }
  /** operations of the normal and background lanes in the worker */
  private runningLow = 0

  constructor () {
    const pglitePath = createRequire(import.meta.url).resolve('@electric-sql/pglite')
    this.worker = new Worker(PGLITE_WORKER_SOURCE, { eval: true, workerData: { pglitePath, sharedBuffers: PGLITE_SHARED_BUFFERS } })
    // The worker keeps the process alive only while an operation is in flight (see call()).
    this.worker.unref()
    this.worker.on('message', (m: { id: number, result?: unknown, error?: Record<string, unknown> }) => {
      const p = this.pending.get(m.id)
      if (!p) return
      this.pending.delete(m.id)
      if (this.pending.size === 0) this.worker.unref()
      if (m.error) p.reject(Object.assign(new Error(String(m.error.message)), m.error))
      else p.resolve(m.result)
    })
    const stop = (err: Error) => {
      this.dead = err
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    }
    this.worker.on('error', (err) => stop(new Error(`the embedded database stopped: ${err.message}`)))
    this.worker.on('exit', (code) => stop(new Error(`the embedded database stopped (worker exit ${code})`)))
  }

  /**
   * Posts `op`. With a priority the worker runs it by lane (alarm first). An alarm is posted at
   * once; the lower lanes first wait here their turn (at most LOW_IN_FLIGHT of theirs in the worker),
   * so an alarm passes every queued statement of the lanes below it and waits for at most the one
   * running. Without one (statements inside a begun
   * transaction, its end, open, close) it goes at once: the transaction holds PGlite's lock, and
   * queueing its statements behind others that wait for that lock would deadlock.
   */
  call<T = unknown> (op: WorkerOp, priority?: Priority): Promise<T> {
    const queued = performance.now()
    if (priority === undefined) return this.timed(this.post<T>(op), 'tx', queued, queued)
    if (priority === 'alarm') return this.timed(this.post<T>(op, priority), priority, queued, queued)
    return new Promise<T>((resolve, reject) => {
      this.lanes[priority].push(() => {
        this.runningLow++
        this.timed(this.post<T>(op, priority), priority, queued, performance.now()).then(resolve, reject).finally(() => {
          this.runningLow--
          this.pump()
        })
      })
      this.pump()
    })
  }

  /** Where statement timings go (Db.onStatement). */
  observer: { onStatement?: (t: StatementTiming) => void } = {}

  private timed<T> (p: Promise<T>, lane: StatementTiming['lane'], queued: number, posted: number): Promise<T> {
    const observe = this.observer.onStatement
    if (!observe) return p
    const done = () => observe({ lane, waitS: (posted - queued) / 1000, callS: (performance.now() - posted) / 1000 })
    p.then(done, done)
    return p
  }

  private pump (): void {
    while (this.runningLow < LOW_IN_FLIGHT) {
      const next = this.lanes.normal.shift() ?? this.lanes.background.shift()
      if (!next) return
      next()
    }
  }

  private post<T> (op: WorkerOp, lane?: Priority): Promise<T> {
    if (this.dead) return Promise.reject(this.dead)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref()
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage(lane ? { id, lane, ...op } : { id, ...op })
    })
  }

  async terminate (): Promise<void> {
    await this.worker.terminate()
  }
}

async function openPGlite (dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true })
  const thread = new PGliteThread()
  try {
    await thread.call({ op: 'open', dataDir })
  } catch (err) {
    await thread.terminate()
    throw err
  }
  const wrap = (tx: number | undefined, afterCommit: Queryable['afterCommit'] = runNow): Queryable => ({
    query<T>(sql: string, params?: unknown[], opts?: QueryOptions) {
      return thread.call<QueryResult<T>>({ op: 'query', sql, params, tx, ...(opts?.prepare === false ? { plain: true } : {}) }, tx === undefined ? opts?.priority ?? 'normal' : undefined)
    },
    afterCommit
  })
  let closed = false
  return {
    kind: 'pglite',
    ...wrap(undefined),
    get onStatement () { return thread.observer.onStatement },
    set onStatement (fn) { thread.observer.onStatement = fn },
    async transaction (fn, opts) {
      // Begun with its first statement (op 'begin' carries it): a transaction that never queries
      // never reaches the worker. The first statement waits its turn in the transaction's lane.
      let tx: number | undefined
      let begun: Promise<unknown> | undefined
      const hooks: Array<() => void> = []
      const first = <T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
        const p = thread.call<{ tx: number, rows: T[], rowCount: number, error?: Record<string, unknown> }>({ op: 'begin', sql, params }, opts?.priority ?? 'alarm')
        begun = p.then((r) => { tx = r.tx }, () => {})
        return p.then((r) => {
          if (r.error) throw Object.assign(new Error(String(r.error.message)), r.error)
          return { rows: r.rows, rowCount: r.rowCount }
        })
      }
      // Statements issued together (in one synchronous stretch, e.g. under Promise.all) go to the
      // worker in one message and run there in the order issued: independent reads of the alarm
      // path cost one thread hop, not one each (issue 11).
      let batch: Array<{ sql: string, params?: unknown[], resolve: (r: QueryResult<any>) => void, reject: (e: Error) => void }> = []
      const send = async () => {
        const group = batch
        batch = []
        await begun
        if (tx === undefined) { for (const s of group) s.reject(new Error('the transaction did not begin')); return }
        if (group.length === 1) {
          const s = group[0]
          thread.call<QueryResult<any>>({ op: 'query', sql: s.sql, params: s.params, tx }).then(s.resolve, s.reject)
          return
        }
        thread.call<Array<QueryResult<any> & { error?: Record<string, unknown> }>>({ op: 'batch', tx, queries: group.map(({ sql, params }) => ({ sql, params })) }).then(
          (results) => group.forEach((s, i) => {
            const r = results[i]
            if (r.error) s.reject(Object.assign(new Error(String(r.error.message)), r.error))
            else s.resolve({ rows: r.rows, rowCount: r.rowCount })
          }),
          (err: Error) => { for (const s of group) s.reject(err) })
      }
      const atCommit = new CommitQueue()
      const q: Transaction = {
        query<T>(sql: string, params?: unknown[]) {
          if (!begun) return first<T>(sql, params)
          return new Promise<QueryResult<T>>((resolve, reject) => {
            if (batch.length === 0) queueMicrotask(() => { void send() })
            batch.push({ sql, params, resolve, reject })
          })
        },
        afterCommit: (h) => { hooks.push(h) },
        beforeCommit: atCommit.add
      }
      let out
      let queued: QueuedStatement[]
      const openingResult: Array<QueryResult<any>> = []
      try {
        out = await fn(q)
        queued = atCommit.close()
        // only statements for the commit: the first of them begins the transaction (op 'begin')
        const opening = begun ? undefined : queued.shift()
        if (opening) openingResult.push(await q.query(opening.sql, opening.params))
      } catch (err) {
        atCommit.close()
        atCommit.failed(err)
        await begun
        if (tx !== undefined) await thread.call({ op: 'end', tx, commit: false }).catch(() => {})
        throw err
      }
      await begun
      // the queued statements travel with the COMMIT: one message (the worker's 'end'); if one
      // fails the worker rolls back and this rejects with its error, and no hook runs
      try {
        const results = tx === undefined ? [] : await thread.call<Array<QueryResult<any>> | null>({ op: 'end', tx, commit: true, ...(queued.length > 0 ? { queries: queued } : {}) })
        atCommit.committed([...openingResult, ...results ?? []])
      } catch (err) {
        atCommit.failed(err)
        throw err
      }
      runHooks(hooks)
      return out
    },
    exec: async (sql) => { await thread.call({ op: 'exec', sql }, 'normal') },
    async close () {
      if (closed) return
      closed = true
      try { await thread.call({ op: 'close' }) } finally { await thread.terminate() }
    }
  }
}

/**
 * Names for PostgreSQL's prepared statements (issue 11). node-postgres parses a named statement
 * once per connection and afterwards only binds and executes it, so PostgreSQL keeps its plan: the
 * engine's claim plans in 0.35 ms and executes in 0.06 ms on PostgreSQL 15. Texts that read or
 * write rows get a name, up to PREPARED_MAX texts for the process; the rest go unnamed
 * (node-postgres cannot close a name on every connection). When a table changed under a prepared
 * statement in a way its plan cannot follow — "cached plan must not change result type" (0A000),
 * as after another node's migration added a column to a `select *` — the text gets a fresh name,
 * so every connection parses it anew.
 */
class StatementNames {
  private readonly names = new Map<string, string>()
  private next = 1

  /** The statement as node-postgres takes it: named when the text reads or writes rows, unless `prepare` is false. */
  config (text: string, values?: unknown[], prepare = true): pg.QueryConfig {
    if (!prepare) return { text, values }
    let name = this.names.get(text)
    if (name === undefined && this.names.size < PREPARED_MAX && ROW_STATEMENT.test(text)) {
      name = `eldercare_${this.next++}`
      this.names.set(text, name)
    }
    return name === undefined ? { text, values } : { name, text, values }
  }

  /** After `err`: true when it was a named statement's stale plan, and the text now has a fresh name. */
  renewed (text: string, err: unknown): boolean {
    if ((err as { code?: string } | null)?.code !== '0A000' || !this.names.has(text)) return false
    this.names.set(text, `eldercare_${this.next++}`)
    return true
  }
}

async function openPostgres (url: string, max: number): Promise<Db> {
  // Pipeline mode (pg ≥ 8.23): a connection writes each statement as soon as it is issued instead
  // of after the previous one's answer. A transaction's statements issued together (Promise.all,
  // a begin with its first statement, the statements queued for the commit with the COMMIT) cost
  // one round trip, not one each: under load each round trip waits for a turn of the event loop
  // to be read (issue 11, the PostgreSQL mode's alarm tail). Each statement keeps its own Sync, so
  // its outcome is its own, as before. Nothing here keeps a portal open (no cursors or streams),
  // which pipeline mode refuses.
  const pool = new pg.Pool({ connectionString: url, max, pipeline: true } as pg.PoolConfig)
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  const observer: { onStatement?: (t: StatementTiming) => void } = {}
  const names = new StatementNames()
  /**
   * A connection from the pool, how long the pool made us wait for it (issue 11: "db wait" on
   * PostgreSQL), and its release. A server going away (a restart: 57P01) ends a checked-out
   * connection with an 'error' event — unheard, it ends the process (a platform node did, in CI,
   * tests/scaled/losing-a-node.test.ts). The pool stops listening when it hands the connection
   * out, and the FATAL can come in the same packet as the answer that completed the connection,
   * read before a promise's continuation runs: so the listener goes on in the pool's callback,
   * at once, and stays until the release. A connection that broke is discarded, not pooled.
   */
  const connect = (): Promise<{ client: pg.PoolClient, waitS: number, release: (err?: Error) => void }> => new Promise((resolve, reject) => {
    const asked = performance.now()
    pool.connect((err, client) => {
      if (err || !client) { reject(err ?? new Error('no connection from the pool')); return }
      let broken: Error | undefined
      const onError = (e: Error) => { broken = e }
      client.on('error', onError)
      resolve({
        client,
        waitS: (performance.now() - asked) / 1000,
        release: (e) => { client.off('error', onError); client.release(e ?? broken) }
      })
    })
  })
  const wrap = (c: pg.Pool | pg.PoolClient, afterCommit: Queryable['afterCommit'] = runNow): Queryable => ({
    async query<T>(sql: string, params?: unknown[], opts?: QueryOptions) {
      // outside a transaction, as pool.query does it, with the wait for a free connection timed
      // apart from the statement; inside one, on the transaction's connection
      const own = c === pool ? await connect() : null
      const started = performance.now()
      const run = (): Promise<pg.QueryResult> => (own?.client ?? c).query(names.config(sql, params, opts?.prepare !== false))
      let r: pg.QueryResult
      try {
        // a stale plan (0A000) outside a transaction changed nothing: the statement runs again,
        // parsed anew; inside one it fails the transaction, and the next attempt parses anew
        r = await run().catch((err: unknown) => { if (names.renewed(sql, err) && own) return run(); throw err })
      } catch (err) {
        own?.release(err as Error) // as pool.query: a connection whose statement failed is not reused
        throw err
      }
      own?.release()
      observer.onStatement?.({ lane: own ? opts?.priority ?? 'normal' : 'tx', waitS: own?.waitS ?? 0, callS: (performance.now() - started) / 1000 })
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length }
    },
    afterCommit
  })
  await pool.query('select 1')
  return {
    kind: 'postgres',
    ...wrap(pool),
    get onStatement () { return observer.onStatement },
    set onStatement (fn) { observer.onStatement = fn },
    async transaction (fn) {
      // heard while checked out (connect): a server restart fails the statement in flight, and the
      // transaction with it, and the broken connection is discarded at the release
      const { client, waitS, release } = await connect()
      const hooks: Array<() => void> = []
      const atCommit = new CommitQueue()
      const q: Transaction = { ...wrap(client, (h) => { hooks.push(h) }), beforeCommit: atCommit.add }
      try {
        // Pipelined (pg's pipeline mode, below): the begin is not awaited, it goes out with the
        // transaction's first statement, one round trip for both (issue 11). BEGIN on a healthy
        // connection does not fail; on a broken one every statement behind it fails too.
        const started = performance.now()
        const begun = client.query('begin').then(() => {
          // the transaction's wait for its connection is told with its begin
          observer.onStatement?.({ lane: 'tx', waitS, callS: (performance.now() - started) / 1000 })
        })
        begun.catch(() => {}) // awaited below: its failure is the transaction's
        const out = await fn(q)
        await begun
        // The statements queued for the commit, in order, then the COMMIT, all written at once: one
        // round trip. After a failed statement PostgreSQL answers the others with 25P02 and the
        // COMMIT with ROLLBACK, so the first failure (in order) is the transaction's error.
        const queued = atCommit.close().map((s) => q.query(s.sql, s.params))
        const commit = client.query('commit')
        const settled = await Promise.allSettled([...queued, commit])
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
        if (failed) throw failed.reason
        if ((await commit).command !== 'COMMIT') throw new Error('the transaction was rolled back at its commit')
        atCommit.committed(settled.slice(0, queued.length).map((r) => (r as PromiseFulfilledResult<QueryResult<any>>).value))
        runHooks(hooks)
        return out
      } catch (err) {
        atCommit.close()
        atCommit.failed(err)
        await client.query('rollback').catch(() => {})
        throw err
      } finally {
        release()
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
