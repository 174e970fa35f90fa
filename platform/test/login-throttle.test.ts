import { describe, expect, it } from 'vitest'
import { LoginThrottle } from '../src/features/auth/login-throttle.ts'

describe('LoginThrottle (issue 13: growing delays per user and address, never a lock)', () => {
  it('delays a (user, address) pair after the free failures, doubling, capped', () => {
    let now = 0
    const t = new LoginThrottle({ freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, userFreeFailures: 100, now: () => now })
    for (let i = 0; i < 2; i++) t.fail('admin', '10.0.0.1')
    expect(t.retryAfterMs('admin', '10.0.0.1')).toBe(0)
    t.fail('admin', '10.0.0.1')
    expect(t.retryAfterMs('admin', '10.0.0.1')).toBe(1000)
    t.fail('admin', '10.0.0.1')
    expect(t.retryAfterMs('admin', '10.0.0.1')).toBe(2000)
    for (let i = 0; i < 10; i++) t.fail('admin', '10.0.0.1')
    expect(t.retryAfterMs('admin', '10.0.0.1')).toBe(8000)
    now = 8000
    expect(t.retryAfterMs('admin', '10.0.0.1')).toBe(0)
  })

  it('does not hold back the same user from another address, nor another user behind the same address', () => {
    const t = new LoginThrottle({ freeFailures: 1, now: () => 0 })
    for (let i = 0; i < 5; i++) t.fail('admin', '10.0.0.1')
    expect(t.retryAfterMs('admin', '10.0.0.1')).toBeGreaterThan(0)
    expect(t.retryAfterMs('admin', '10.0.0.2')).toBe(0)
    expect(t.retryAfterMs('operator', '10.0.0.1')).toBe(0)
  })

  it('bounds guessing one user from many addresses, but never beyond userMaxDelayMs', () => {
    let now = 0
    const t = new LoginThrottle({ freeFailures: 100, userFreeFailures: 3, baseDelayMs: 1000, userMaxDelayMs: 60_000, now: () => now })
    for (let i = 0; i < 1000; i++) t.fail('admin', `10.0.${i >> 8}.${i & 255}`)
    expect(t.retryAfterMs('admin', '192.168.1.1')).toBe(60_000)
    now = 60_000
    expect(t.retryAfterMs('admin', '192.168.1.1')).toBe(0)
  })

  it('is cleared by a success and keeps at most maxEntries', () => {
    const t = new LoginThrottle({ freeFailures: 1, maxEntries: 4, now: () => 0 })
    t.fail('a', '1')
    t.succeed('a', '1')
    expect(t.retryAfterMs('a', '1')).toBe(0)
    for (let i = 0; i < 10; i++) t.fail(`u${i}`, '1')
    expect((t as unknown as { entries: Map<string, unknown> }).entries.size).toBe(4)
  })
})
