import { describe, expect, it } from 'vitest'
import { ALARM_RATE_LIMIT_DEFAULTS, RateLimiter } from '../src/rate-limit.ts'

/** A clock the test moves by hand (STYLE.md §8): no sleeping. */
function clock (start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => { t += ms } }
}

describe('[P-4.3] per-device rate limit', () => {
  it('allows a burst of 100, then 20 messages/s sustained', () => {
    const c = clock()
    const rl = new RateLimiter({}, c.now)
    const first = Array.from({ length: 101 }, () => rl.take('d1'))
    expect(first.filter((d) => d === 'pass')).toHaveLength(100)
    expect(first[100]).toBe('limited_tell')
    let passed = 0
    for (let i = 0; i < 200; i++) { c.advance(10); if (rl.take('d1') === 'pass') passed++ } // 100 msg/s for 2 s
    expect(passed).toBeGreaterThanOrEqual(39)
    expect(passed).toBeLessThanOrEqual(41)
  })

  it('keeps devices apart and scales a hub by the devices it speaks for', () => {
    const c = clock()
    const rl = new RateLimiter({}, c.now)
    for (let i = 0; i < 100; i++) rl.take('noisy')
    expect(rl.take('noisy')).not.toBe('pass')
    expect(rl.take('quiet')).toBe('pass')
    const hub = Array.from({ length: 300 }, () => rl.take('hub-1', 3))
    expect(hub.every((d) => d === 'pass')).toBe(true)
  })

  it('neither drains nor refills the bucket when the clock steps back (NTP, a test clock)', () => {
    const c = clock()
    const rl = new RateLimiter({}, c.now)
    for (let i = 0; i < 50; i++) rl.take('d1')
    c.advance(-10_000) // ten seconds back: 200 tokens' worth of negative time
    const after = Array.from({ length: 51 }, () => rl.take('d1'))
    expect(after.filter((d) => d === 'pass')).toHaveLength(50) // the 50 left, no fewer, no more
    c.advance(5_000) // still 5 s before the last take: nothing refilled yet
    expect(rl.take('d1')).not.toBe('pass')
    c.advance(5_100) // 100 ms past it: two tokens
    expect(rl.take('d1')).toBe('pass')
  })

  it('answers rate_limited at most once per second', () => {
    const c = clock()
    const rl = new RateLimiter({}, c.now)
    for (let i = 0; i < 100; i++) rl.take('d1')
    const decisions: string[] = []
    for (let i = 0; i < 300; i++) { c.advance(10); decisions.push(rl.take('d1')) }
    const tells = decisions.filter((d) => d === 'limited_tell').length
    expect(tells).toBeGreaterThanOrEqual(3)
    expect(tells).toBeLessThanOrEqual(4)
  })

  it('disconnects a device that floods for 60 s, not one that pauses', () => {
    const c = clock()
    const rl = new RateLimiter({}, c.now)
    // floods at 100 msg/s with a 3 s pause every 30 s: never 60 s without a pause
    for (let s = 0; s < 120; s++) {
      if (s % 30 === 29) { c.advance(3000); continue }
      for (let i = 0; i < 100; i++) { c.advance(10); expect(rl.take('pauser')).not.toBe('disconnect') }
    }
    const flooder = new RateLimiter({}, c.now)
    let at = -1
    for (let i = 0; i < 100 * 70 && at < 0; i++) { c.advance(10); if (flooder.take('f') === 'disconnect') at = i }
    expect(at * 10).toBeGreaterThanOrEqual(60_000)
    expect(at * 10).toBeLessThan(62_000)
  })

  it('[P-4.3] the alarm allowance is its own: 50/s, burst 200, and a flood of alarms is refused but never disconnected', () => {
    const c = clock()
    const alarms = new RateLimiter({}, c.now, ALARM_RATE_LIMIT_DEFAULTS)
    const telemetry = new RateLimiter({}, c.now)
    // telemetry floods its own bucket empty: the alarm bucket is untouched
    for (let i = 0; i < 500; i++) telemetry.take('d')
    expect(telemetry.take('d')).not.toBe('pass')
    const first = Array.from({ length: 200 }, () => alarms.take('d'))
    expect(first.every((d) => d === 'pass')).toBe(true)
    const decisions: string[] = []
    for (let i = 0; i < 100 * 120; i++) { c.advance(10); decisions.push(alarms.take('d')) }
    expect(decisions).not.toContain('disconnect')
    expect(decisions.filter((d) => d === 'pass').length).toBeGreaterThan(50 * 119)
  })

  it('forgets a device whose bucket is full again (bounded memory), and this changes no decision', () => {
    const c = clock()
    const rl = new RateLimiter({}, c.now)
    for (let i = 0; i < 1000; i++) rl.take(`dev-${i}`)
    for (let i = 0; i < 101; i++) rl.take('flooder')
    expect(rl.size).toBe(1001)
    c.advance(61_000) // past the sweep interval; every quiet bucket refilled long ago
    for (let i = 0; i < 30; i++) rl.take('flooder') // the flooder was quiet too: a fresh burst either way
    expect(rl.size).toBe(1)
    // a device limited just now is kept: its empty bucket must not be forgotten
    for (let i = 0; i < 200; i++) rl.take('flooder')
    c.advance(60_000 - 1)
    rl.take('flooder')
    c.advance(1)
    expect(rl.take('other')).toBe('pass')
    expect(rl.size).toBe(2)
  })
})
