/**
 * [P-4.3] Per-device rate limit: a token bucket (sustained rate, burst), `rate_limited`
 * answers that are themselves limited, and disconnection of a device that keeps flooding.
 * The gateway keeps two: one for telemetry (and status), one for alarms, so that telemetry
 * never uses up an alarm's allowance.
 */

export interface RateLimitOptions {
  /** Sustained allowance, in messages per second. Default 20. */
  ratePerSecond?: number
  /** Messages a device may send at once after being quiet. Default 100. */
  burst?: number
  /** A device limited without pause for this long is disconnected, in ms. Default 60000. */
  floodDisconnectMs?: number
  /** At most one `rate_limited` answer per device per this many ms. Default 1000. */
  errorIntervalMs?: number
  /** A pause in limiting longer than this ends a flood, in ms. Default 2000. */
  floodGapMs?: number
}

export const RATE_LIMIT_DEFAULTS: Required<RateLimitOptions> = {
  ratePerSecond: 20, burst: 100, floodDisconnectMs: 60_000, errorIntervalMs: 1000, floodGapMs: 2000
}

/**
 * [P-4.3] The alarm lane's own allowance: far above what any device sends (an alarm a second is
 * already a lot), so that it only bounds a broken device; never a disconnect for alarms.
 */
export const ALARM_RATE_LIMIT_DEFAULTS: Required<RateLimitOptions> = {
  ratePerSecond: 50, burst: 200, floodDisconnectMs: Number.POSITIVE_INFINITY, errorIntervalMs: 1000, floodGapMs: 2000
}

/** `pass`; `limited` (drop silently); `limited_tell` (drop, answer rate_limited); `disconnect`. */
export type RateDecision = 'pass' | 'limited' | 'limited_tell' | 'disconnect'

/** How often idle buckets are swept, in ms (a sweep walks every bucket: not per message). */
const SWEEP_EVERY_MS = 60_000

interface Bucket { tokens: number, at: number, floodSince: number, lastLimitedAt: number, lastToldAt: number }

export class RateLimiter {
  readonly options: Required<RateLimitOptions>
  private readonly buckets = new Map<string, Bucket>()
  private sweptAt: number

  constructor (opts: RateLimitOptions = {}, private readonly now: () => number = Date.now, defaults: Required<RateLimitOptions> = RATE_LIMIT_DEFAULTS) {
    this.options = { ...defaults, ...opts }
    this.sweptAt = now()
  }

  /** Buckets held (one per device that published lately); bounded by sweep(). */
  get size (): number { return this.buckets.size }

  /**
   * Forgets buckets that would be full again and are not in a flood (issue 11, "bound every
   * map"): such a bucket is the same as a new one, so forgetting it changes no decision, and the
   * map holds only devices that published within the last refill time (burst / rate, 5 s by default).
   */
  private sweep (t: number): void {
    this.sweptAt = t
    const refillMs = (this.opts.burst / this.opts.ratePerSecond) * 1000
    for (const [id, b] of this.buckets) {
      if (t - b.at >= refillMs && t - b.lastLimitedAt > this.opts.floodGapMs) this.buckets.delete(id)
    }
  }

  private get opts (): Required<RateLimitOptions> { return this.options }

  /**
   * Takes one message's token for `deviceId`. `scale` multiplies the allowance: a hub
   * speaks for itself and each registered child [P-1.5].
   */
  take (deviceId: string, scale = 1): RateDecision {
    const t = this.now()
    if (t - this.sweptAt >= SWEEP_EVERY_MS) this.sweep(t)
    const rate = this.opts.ratePerSecond * scale
    const burst = this.opts.burst * scale
    let b = this.buckets.get(deviceId)
    if (!b) {
      b = { tokens: burst, at: t, floodSince: -1, lastLimitedAt: -Infinity, lastToldAt: -Infinity }
      this.buckets.set(deviceId, b)
    }
    // A clock stepped back (NTP, an injected test clock) refills nothing and drains nothing.
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, t - b.at) / 1000) * rate)
    b.at = Math.max(b.at, t)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 'pass'
    }
    if (b.floodSince < 0 || t - b.lastLimitedAt > this.opts.floodGapMs) b.floodSince = t
    b.lastLimitedAt = t
    if (t - b.floodSince >= this.opts.floodDisconnectMs) {
      // the flood clock restarts; the bucket stays empty, so a reconnect earns no fresh burst
      b.floodSince = -1
      return 'disconnect'
    }
    if (t - b.lastToldAt >= this.opts.errorIntervalMs) {
      b.lastToldAt = t
      return 'limited_tell'
    }
    return 'limited'
  }
}
