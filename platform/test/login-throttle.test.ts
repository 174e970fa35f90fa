import { describe, expect, it } from 'vitest'
import { LoginThrottle, MemoryThrottleStore, SqlThrottleStore } from '../src/features/auth/login-throttle.ts'
import { openDb } from '../src/db/db.ts'

describe('LoginThrottle (issue 13: growing delays per user and address, never a lock)', () => {
  it('delays a (user, address) pair after the free failures, doubling, capped', async () => {
    let now = 0
    const t = new LoginThrottle(new MemoryThrottleStore(), { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, userFreeFailures: 100, now: () => now })
    for (let i = 0; i < 2; i++) await t.fail('admin', '10.0.0.1')
    expect(await t.retryAfterMs('admin', '10.0.0.1')).toBe(0)
    await t.fail('admin', '10.0.0.1')
    expect(await t.retryAfterMs('admin', '10.0.0.1')).toBe(1000)
    await t.fail('admin', '10.0.0.1')
    expect(await t.retryAfterMs('admin', '10.0.0.1')).toBe(2000)
    for (let i = 0; i < 10; i++) await t.fail('admin', '10.0.0.1')
    expect(await t.retryAfterMs('admin', '10.0.0.1')).toBe(8000)
    now = 8000
    expect(await t.retryAfterMs('admin', '10.0.0.1')).toBe(0)
  })

  it('does not hold back the same user from another address, nor another user behind the same address', async () => {
    const t = new LoginThrottle(new MemoryThrottleStore(), { freeFailures: 1, now: () => 0 })
    for (let i = 0; i < 5; i++) await t.fail('admin', '10.0.0.1')
    expect(await t.retryAfterMs('admin', '10.0.0.1')).toBeGreaterThan(0)
    expect(await t.retryAfterMs('admin', '10.0.0.2')).toBe(0)
    expect(await t.retryAfterMs('operator', '10.0.0.1')).toBe(0)
  })

  it('bounds guessing one user from many addresses, but never beyond userMaxDelayMs', async () => {
    let now = 0
    const t = new LoginThrottle(new MemoryThrottleStore(), { freeFailures: 100, userFreeFailures: 3, baseDelayMs: 1000, userMaxDelayMs: 60_000, now: () => now })
    for (let i = 0; i < 1000; i++) await t.fail('admin', `10.0.${i >> 8}.${i & 255}`)
    expect(await t.retryAfterMs('admin', '192.168.1.1')).toBe(60_000)
    now = 60_000
    expect(await t.retryAfterMs('admin', '192.168.1.1')).toBe(0)
  })

  it('is cleared by a success; the memory store keeps at most maxEntries', async () => {
    const store = new MemoryThrottleStore(4)
    const t = new LoginThrottle(store, { freeFailures: 1, now: () => 0 })
    await t.fail('a', '1')
    await t.succeed('a', '1')
    expect(await t.retryAfterMs('a', '1')).toBe(0)
    for (let i = 0; i < 10; i++) await t.fail(`u${i}`, '1')
    expect(store.entries.size).toBe(4)
  })

  it('counts in the database the same way, restarting a count idle past forgetAfterMs (PGlite)', async () => {
    const db = await openDb({ dataDir: 'memory://' })
    try {
      await db.exec('create table login_throttle (key text primary key, failures integer not null, last_ms bigint not null)')
      let now = 1_000_000
      const t = new LoginThrottle(new SqlThrottleStore(db), { freeFailures: 2, baseDelayMs: 1000, forgetAfterMs: 60_000, now: () => now })
      await t.fail('Admin', '10.0.0.1')
      await t.fail('admin', '10.0.0.1')
      expect(await t.retryAfterMs('ADMIN', '10.0.0.1')).toBe(1000)
      expect(await t.retryAfterMs('admin', '10.0.0.2')).toBe(0)
      now += 60_000
      await t.fail('admin', '10.0.0.1') // the old count is forgotten: this is the first again
      expect(await t.retryAfterMs('admin', '10.0.0.1')).toBe(0)
      await t.succeed('admin', '10.0.0.1')
      expect((await db.query('select key from login_throttle')).rows).toEqual([])
    } finally {
      await db.close()
    }
  })

  it('stays bounded when unauthenticated clients try ever new usernames: the least recently failed keys go first', async () => {
    const store = new MemoryThrottleStore(1_000)
    const t = new LoginThrottle(store, { now: () => 0 })
    for (let i = 0; i < 3_000; i++) await t.fail(`u${i}`, '10.0.0.1')
    expect(store.entries.size).toBe(1_000)
    // the newest are kept: the last username tried is still held back as it should be
    expect([...store.entries.keys()].some((k) => k.includes('u2999'))).toBe(true)
    expect([...store.entries.keys()].some((k) => k.includes('u0:') || k.endsWith('u0'))).toBe(false)
  })
})
