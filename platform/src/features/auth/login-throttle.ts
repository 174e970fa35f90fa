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
 * A success clears the pair and the user's count. Entries idle for `forgetAfterMs` are dropped,
 * and at most `maxEntries` are kept (the oldest go first), so the table is bounded.
 */
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
  /** Bound on remembered entries. Default 100000. */
  maxEntries?: number
  now?: () => number
}

interface Entry { failures: number, last: number }

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>()
  private readonly o: Required<Omit<LoginThrottleOptions, 'now'>>
  private readonly now: () => number

  constructor (opts: LoginThrottleOptions = {}) {
    this.o = {
      freeFailures: opts.freeFailures ?? 3,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 900_000,
      userFreeFailures: opts.userFreeFailures ?? 10,
      userMaxDelayMs: opts.userMaxDelayMs ?? 60_000,
      forgetAfterMs: opts.forgetAfterMs ?? 3_600_000,
      maxEntries: opts.maxEntries ?? 100_000
    }
    this.now = opts.now ?? Date.now
  }

  /** Milliseconds until `username` may try again from `address`, or 0. */
  retryAfterMs (username: string, address: string): number {
    const now = this.now()
    return Math.max(
      this.wait(this.get(pairKey(username, address), now), this.o.freeFailures, this.o.maxDelayMs, now),
      this.wait(this.get(userKey(username), now), this.o.userFreeFailures, this.o.userMaxDelayMs, now))
  }

  fail (username: string, address: string): void {
    const now = this.now()
    for (const k of [pairKey(username, address), userKey(username)]) {
      const e = this.get(k, now) ?? { failures: 0, last: now }
      this.entries.delete(k) // re-insert: the Map's order is then least recently failed first
      this.entries.set(k, { failures: e.failures + 1, last: now })
    }
    while (this.entries.size > this.o.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }

  succeed (username: string, address: string): void {
    this.entries.delete(pairKey(username, address))
    this.entries.delete(userKey(username))
  }

  private get (key: string, now: number): Entry | undefined {
    const e = this.entries.get(key)
    if (e && now - e.last >= this.o.forgetAfterMs) { this.entries.delete(key); return undefined }
    return e
  }

  private wait (e: Entry | undefined, free: number, max: number, now: number): number {
    if (!e || e.failures < free) return 0
    const delay = Math.min(this.o.baseDelayMs * 2 ** (e.failures - free), max)
    return Math.max(0, e.last + delay - now)
  }
}

const pairKey = (username: string, address: string) => `pair:${username.toLowerCase()}|${address}`
const userKey = (username: string) => `user:${username.toLowerCase()}`
