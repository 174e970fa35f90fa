/**
 * What a fall's inbox insert would wait for, sampled beside other work (issue 11): an alarm-lane
 * `select 1` issued every 2 ms, each timed from its issue to its answer. Used by the benchmarks that
 * time reads and imports beside the alarm lane (bench:supervision, bench:imports).
 */
import { performance } from 'node:perf_hooks'
import type { TestPlatform } from '../support/platform.ts'

/** Starts sampling; `stop()` ends it and answers the waits in ms, in the order taken. */
export function probeAlarmLane (db: TestPlatform['db']): { stop: () => Promise<number[]> } {
  const waits: number[] = []
  let done = false
  const probe = (async () => {
    while (!done) {
      const t = performance.now()
      await db.query('select 1', [], { priority: 'alarm' })
      waits.push(performance.now() - t)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  })()
  return { stop: async () => { done = true; await probe; return waits } }
}
