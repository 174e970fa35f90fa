/**
 * Failed-login throttle (issue 13): growing delays, never a lock.
 *
 * - Per (username, address): after `freeFailures` failures the next attempt must wait
 *   `baseDelayMs`, doubling with each further failure up to `maxDelayMs`. One guesser slows down
 *   only themselves: the same user from another address, or another user behind the same NAT,
 *   is not held back.
 * - Per username (any address): a much looser bound (`userFreeFailures`, delays capped at
 *   `userMaxDelayMs`, one minute by default) against guessing from many addresses; capped so low
 *   that nobody can keep an account (`admin`) locked out.
 * - No key for the address alone: the correct password is never refused because others failed
 *   from the same address.
 *
 * A success clears the pair and the user's count; entries idle for `forgetAfterMs` count as none.
 * The counts live in a store: the database (`SqlThrottleStore`, table `login_throttle`) so that
 * every platform node behind a balancer sees the same counts, or memory (`MemoryThrottleStore`,
 * bounded to `maxEntries`) for a single process.
 */
import type { Queryable } from '../../db/db.ts'

export interface LoginThrottleOptions {
  /** Failures per (user, address) without delay. Default 3. */
  freeFailures?: number
  /** First delay, doubled each failure. Default 1000 ms. */
  baseDelayMs?: number
  /** Longest delay per (user, address). Default 900000 (15 min). */
  maxDelayMs?: number
  /** Failures per user across addresses without delay. Default 10. */
  userFreeFailures?: number
  /** Longest delay per user across addresses. Default 60000 (1 min). */
  userMaxDelayMs?: number
  /** An entry with no failure for this long is forgotten. Default 3600000 (1 h). */
  forgetAfterMs?: number
  now?: () => number
}

export interface ThrottleEntry { failures: number, lastMs: number }

/** Where failure counts are kept: `fail` adds one (restarting a count older than `forgetBeforeMs`). */
export interface ThrottleStore {
  get(keys: string[]): Promise<Map<string, ThrottleEntry>>
  fail(keys: string[], nowMs: number, forgetBeforeMs: number): Promise<void>
  clear(keys: string[]): Promise<void>
}

export class LoginThrottle {
  private readonly o: Required<Omit<LoginThrottleOptions, 'now'>>
  private readonly now: () => number

  constructor (private readonly store: ThrottleStore, opts: LoginThrottleOptions = {}) {
    this.o = {
      freeFailures: opts.freeFailures ?? 3,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 900_000,
      userFreeFailures: opts.userFreeFailures ?? 10,
      userMaxDelayMs: opts.userMaxDelayMs ?? 60_000,
      forgetAfterMs: opts.forgetAfterMs ?? 3_600_000
    }
    this.now = opts.now ?? Date.now
  }

  /** Milliseconds until `username` may try again from `address`, or 0. */
  async retryAfterMs (username: string, address: string): Promise<number> {
    const now = this.now()
    const [pair, user] = keys(username, address)
    const got = await this.store.get([pair, user])
    return Math.max(
      this.wait(got.get(pair), this.o.freeFailures, this.o.maxDelayMs, now),
      this.wait(got.get(user), this.o.userFreeFailures, this.o.userMaxDelayMs, now))
  }

  async fail (username: string, address: string): Promise<void> {
    const now = this.now()
    await this.store.fail(keys(username, address), now, now - this.o.forgetAfterMs)
  }

  async succeed (username: string, address: string): Promise<void> {
    await this.store.clear(keys(username, address))
  }

  private wait (e: ThrottleEntry | undefined, free: number, max: number, now: number): number {
    if (!e || now - e.lastMs >= this.o.forgetAfterMs || e.failures < free) return 0
    const delay = Math.min(this.o.baseDelayMs * 2 ** (e.failures - free), max)
    return Math.max(0, e.lastMs + delay - now)
  }
}

const keys = (username: string, address: string): [string, string] =>
  [`pair:${username.toLowerCase()}|${address}`, `user:${username.toLowerCase()}`]

/** Counts in one process's memory, at most `maxEntries` (the least recently failed go first). */
export class MemoryThrottleStore implements ThrottleStore {
  readonly entries = new Map<string, ThrottleEntry>()
  constructor (private readonly maxEntries = 100_000) {}

  async get (keys: string[]): Promise<Map<string, ThrottleEntry>> {
    return new Map(keys.flatMap((k) => { const e = this.entries.get(k); return e ? [[k, e] as const] : [] }))
  }

  async fail (keys: string[], nowMs: number, forgetBeforeMs: number): Promise<void> {
    for (const k of keys) {
      const e = this.entries.get(k)
      this.entries.delete(k) // re-insert: the Map's order is then least recently failed first
      this.entries.set(k, { failures: e && e.lastMs > forgetBeforeMs ? e.failures + 1 : 1, lastMs: nowMs })
    }
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }

  async clear (keys: string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k)
  }
}

/** Counts in the database (migration 0014), shared by every platform node; old rows are pruned as failures come. */
export class SqlThrottleStore implements ThrottleStore {
  constructor (private readonly db: Queryable) {}

  async get (keys: string[]): Promise<Map<string, ThrottleEntry>> {
    const { rows } = await this.db.query<{ key: string, failures: number, last_ms: string }>('select key, failures, last_ms from login_throttle where key = any($1)', [keys])
    return new Map(rows.map((r) => [r.key, { failures: Number(r.failures), lastMs: Number(r.last_ms) }]))
  }

  async fail (keys: string[], nowMs: number, forgetBeforeMs: number): Promise<void> {
    for (const k of keys) {
      await this.db.query(
        `insert into login_throttle (key, failures, last_ms) values ($1, 1, $2)
         on conflict (key) do update set failures = case when login_throttle.last_ms > $3 then login_throttle.failures + 1 else 1 end, last_ms = $2`,
        [k, nowMs, forgetBeforeMs])
    }
    await this.db.query('delete from login_throttle where last_ms <= $1', [forgetBeforeMs])
  }

  async clear (keys: string[]): Promise<void> {
    await this.db.query('delete from login_throttle where key = any($1)', [keys])
  }
}
