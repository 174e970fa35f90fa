/**
 * Whole reads of the detector's tables (issue 11): a page at a time in the order of a key, and
 * only when the table changed. On the embedded database an alarm's statement waits for the one
 * running, and the worker's answer is taken in on the event loop at once: a read of every row in
 * one statement held both for as long as the table was big (10,000 residents' detection
 * settings: an alarm-lane statement 110–157 ms, the event loop 25–44 ms, at every tick).
 */
import type { Sql } from '../store.ts'

/**
 * Rows per statement of a whole read. 30,000 detection records (PGlite) in one statement held an
 * alarm-lane statement 377–521 ms and the event loop 91–140 ms; in pages of 250, 9–15 ms and
 * 10–16 ms at most, the read 516–731 ms instead of 380–527; in pages of 1,000, 18–31 ms and
 * 15–21 ms (nineteenth session).
 */
export const ROWS_PER_PAGE = 250

export interface KeyOrderRead {
  /** `select … from …`, without `where` or `order by`: the key's condition and order are added */
  select: string
  /** the key, unique and indexed: each column as the statement names it and as the row carries it */
  key: ReadonlyArray<{ column: string, field: string }>
}

/**
 * Every row of `read`, ROWS_PER_PAGE a statement, each page handed to `each` as it comes: the next
 * page is the rows after the last one's key. No condition but the key's, so that the key's index
 * is the planner's one cheap way with statistics or without (PGlite is analyzed only by the
 * embedded maintenance pass).
 */
export async function readInKeyOrder<R extends Record<string, unknown>> (sql: Sql, read: KeyOrderRead, each: (row: R) => void): Promise<number> {
  const columns = read.key.map((k) => k.column).join(', ')
  const after = read.key.map((_, i) => `$${i + 1}`).join(', ')
  let n = 0
  let last: R | undefined
  for (;;) {
    const { rows } = await sql.query<R>(
      `${read.select}${last ? ` where (${columns}) > (${after})` : ''} order by ${columns} limit ${ROWS_PER_PAGE}`,
      last ? read.key.map((k) => last![k.field]) : [])
    for (const r of rows) each(r)
    n += rows.length
    if (rows.length < ROWS_PER_PAGE) return n
    last = rows[rows.length - 1]
  }
}

/**
 * Whether rows changed since the last whole read: a statement answering one row — how many rows
 * and the sum of their `xmin`, which every insert and update gives a row anew (a delete changes the
 * count) — compared with what it answered before that read. Clock-free: nodes' clocks and a
 * writer that leaves `updated_at` alone do not matter. 4–6 ms for 10,000 residents' settings
 * (PGlite), where the whole read took 126–157 ms.
 */
export class ChangeMark {
  private seen: string | null = null

  /** `markSql` answers one row with one column, `mark` (text). */
  constructor (private readonly sql: Sql, private readonly markSql: string) {}

  /**
   * Runs `read` when the rows changed since the last read that finished (always the first time);
   * the mark is taken before it, so that a change while it reads is read at the next call.
   */
  async ifChanged (read: () => Promise<void>): Promise<boolean> {
    const { rows } = await this.sql.query<{ mark: string }>(this.markSql)
    const mark = rows[0]?.mark ?? ''
    if (mark === this.seen) return false
    await read()
    this.seen = mark
    return true
  }
}

/**
 * Rows cached by key, read whole at a tick when they changed (`mark`, in pages) and one key at a
 * time when this process is told of a change (an API call). A key read alone while a whole read is
 * under way keeps what it read: the whole read may have passed that key's page before the change,
 * and replacing the cache with it would undo, until the next tick, a change this process was told
 * of. (A page read after it holds the change or a newer one; if a newer one, the mark read before
 * the whole read has moved, and the next tick reads it.)
 */
export class KeyedReads<V> {
  private rows = new Map<string, V>()
  /** what keys read alone during the whole read under way answered (undefined: no row) */
  private readAlone: Map<string, V | undefined> | null = null
  private whole: Promise<boolean> | null = null

  /** `replaced`: told of each change to the cache, a key's (`key`) or all of it (no key) */
  constructor (private readonly mark: ChangeMark, private readonly replaced?: (key?: string) => void) {}

  get (key: string): V | undefined { return this.rows.get(key) }

  /** Re-reads one key: `read` answers its row, undefined when there is none. */
  async reloadOne (key: string, read: () => Promise<V | undefined>): Promise<void> {
    const v = await read()
    if (v === undefined) this.rows.delete(key)
    else this.rows.set(key, v)
    this.readAlone?.set(key, v)
    this.replaced?.(key)
  }

  /**
   * Re-reads every row when the mark moved (true), `read` handing each row to `put`; the cache is
   * replaced once all are in. A call while one is under way waits for that one.
   */
  reloadAll (read: (put: (key: string, value: V) => void) => Promise<unknown>): Promise<boolean> {
    this.whole ??= this.mark.ifChanged(async () => {
      const next = new Map<string, V>()
      this.readAlone = new Map()
      await read((key, value) => next.set(key, value))
      for (const [key, v] of this.readAlone) {
        if (v === undefined) next.delete(key)
        else next.set(key, v)
      }
      this.rows = next
      this.replaced?.()
    }).finally(() => { this.readAlone = null; this.whole = null })
    return this.whole
  }
}
