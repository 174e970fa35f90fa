import { describe, expect, it } from 'vitest'
import { LoginThrottle } from '../src/features/auth/login-throttle.ts'

describe('LoginThrottle', () => {
  it('refuses after five failures within the window and allows again when it passes', () => {
    let now = 0
    const t = new LoginThrottle({ maxFailures: 5, windowMs: 60_000, now: () => now })
    for (let i = 0; i < 4; i++) t.fail(['user:a', 'ip:1'])
    expect(t.retryAfterMs(['user:a', 'ip:1'])).toBe(0)
    t.fail(['user:a', 'ip:1'])
    expect(t.retryAfterMs(['user:a'])).toBe(60_000)
    expect(t.retryAfterMs(['ip:1'])).toBe(60_000)
    now = 59_999
    expect(t.retryAfterMs(['user:a'])).toBe(1)
    now = 60_000
    expect(t.retryAfterMs(['user:a', 'ip:1'])).toBe(0)
  })

  it('counts per key: another user from another address is not held back', () => {
    const t = new LoginThrottle({ maxFailures: 2, now: () => 0 })
    t.fail(['user:a', 'ip:1'])
    t.fail(['user:a', 'ip:1'])
    expect(t.retryAfterMs(['user:b', 'ip:2'])).toBe(0)
    expect(t.retryAfterMs(['user:b', 'ip:1'])).toBeGreaterThan(0)
  })

  it('clears a user after a successful sign-in', () => {
    const t = new LoginThrottle({ maxFailures: 1, now: () => 0 })
    t.fail(['user:a'])
    t.clear('user:a')
    expect(t.retryAfterMs(['user:a'])).toBe(0)
  })

  it('stays bounded when unauthenticated clients try ever new usernames: keys past their window are swept', () => {
    let now = 0
    const t = new LoginThrottle({ maxFailures: 5, windowMs: 60_000, now: () => now })
    for (let i = 0; i < 12_000; i++) t.fail([`user:u${i}`])
    expect(t.size).toBe(12_000)
    now = 61_000
    t.fail(['user:late'])
    expect(t.size).toBe(1)
    expect(t.retryAfterMs(['user:late'])).toBe(0)
  })
})
