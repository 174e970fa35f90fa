/**
 * Failed-login throttle, per username and per client address: after `maxFailures`
 * failures within `windowMs`, further attempts are refused until the window passes.
 * Successful logins clear the username's count.
 */
export interface LoginThrottleOptions {
  /** Failures allowed per key within the window. Default 5. */
  maxFailures?: number
  /** Window length, in milliseconds. Default 900000 (15 min). */
  windowMs?: number
  now?: () => number
}

const SWEEP_ABOVE = 10_000

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()
  private sweptAt = -Infinity
  private readonly max: number
  private readonly windowMs: number
  private readonly now: () => number

  constructor (opts: LoginThrottleOptions = {}) {
    this.max = opts.maxFailures ?? 5
    this.windowMs = opts.windowMs ?? 900_000
    this.now = opts.now ?? Date.now
  }

  /** Milliseconds until the next attempt is allowed for any of `keys`, or 0. */
  retryAfterMs (keys: string[]): number {
    let wait = 0
    const now = this.now()
    for (const k of keys) {
      const recent = this.recent(k, now)
      if (recent.length >= this.max) wait = Math.max(wait, recent[0] + this.windowMs - now)
    }
    return wait
  }

  fail (keys: string[]): void {
    const now = this.now()
    // Keys come from unauthenticated clients (any username, any address): past a few thousand,
    // the ones whose failures all left the window are dropped, so the map holds only live ones.
    if (this.failures.size >= SWEEP_ABOVE && now - this.sweptAt >= 60_000) {
      this.sweptAt = now
      for (const k of [...this.failures.keys()]) this.recent(k, now)
    }
    for (const k of keys) this.failures.set(k, [...this.recent(k, now), now])
  }

  /** Keys held (for tests and figures). */
  get size (): number {
    return this.failures.size
  }

  clear (key: string): void {
    this.failures.delete(key)
  }

  private recent (key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs)
    if (list.length === 0) this.failures.delete(key)
    return list
  }
}
