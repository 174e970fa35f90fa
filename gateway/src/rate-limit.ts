/**
 * [P-4.3] Per-device rate limit: a token bucket (sustained rate, burst), `rate_limited`
 * answers that are themselves limited, and disconnection of a device that keeps flooding.
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

/** `pass`; `limited` (drop silently); `limited_tell` (drop, answer rate_limited); `disconnect`. */
export type RateDecision = 'pass' | 'limited' | 'limited_tell' | 'disconnect'

interface Bucket { tokens: number, at: number, floodSince: number, lastLimitedAt: number, lastToldAt: number }

export class RateLimiter {
  private readonly opts: Required<RateLimitOptions>
  private readonly buckets = new Map<string, Bucket>()

  constructor (opts: RateLimitOptions = {}, private readonly now: () => number = Date.now) {
    this.opts = { ...RATE_LIMIT_DEFAULTS, ...opts }
  }

  /**
   * Takes one message's token for `deviceId`. `scale` multiplies the allowance: a hub
   * speaks for itself and each registered child [P-1.5].
   */
  take (deviceId: string, scale = 1): RateDecision {
    const t = this.now()
    const rate = this.opts.ratePerSecond * scale
    const burst = this.opts.burst * scale
    let b = this.buckets.get(deviceId)
    if (!b) {
      b = { tokens: burst, at: t, floodSince: -1, lastLimitedAt: -Infinity, lastToldAt: -Infinity }
      this.buckets.set(deviceId, b)
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate)
    b.at = t
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
