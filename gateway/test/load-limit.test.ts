import { describe, expect, it } from 'vitest'
import { LoadLimit } from '../src/load-limit.ts'

describe('LoadLimit: the wait in the read queue (read-scheduler.ts)', () => {
  it('sheds telemetry only past maxReadWaitMs (default 1 s), under its own reason', () => {
    let wait = 0
    const limit = new LoadLimit({}, { readWaitMs: () => wait })
    try {
      expect(limit.options.maxReadWaitMs).toBe(1000)
      // a pause such as a full GC (0.1–0.5 s): held, not shed
      wait = 400
      expect(limit.overloaded()).toBeNull()
      wait = 1000
      expect(limit.overloaded()).toBeNull()
      wait = 1001
      expect(limit.overloaded()).toBe('readWait')
      wait = 0
      expect(limit.overloaded()).toBeNull()
    } finally {
      limit.close()
    }
  })

  it('takes its bound from the options', () => {
    let wait = 300
    const limit = new LoadLimit({ maxReadWaitMs: 250 }, { readWaitMs: () => wait })
    try {
      expect(limit.overloaded()).toBe('readWait')
      wait = 200
      expect(limit.overloaded()).toBeNull()
    } finally {
      limit.close()
    }
  })
})
