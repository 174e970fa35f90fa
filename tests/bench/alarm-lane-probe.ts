/**
 * What a fall's inbox insert would wait for, sampled beside other work (issue 11): an alarm-lane
 * `select 1` issued every 2 ms, each timed from its issue to its answer. Used by the benchmarks that
 * time reads, imports and the readings prune beside the alarm lane (bench:supervision,
 * bench:imports, bench:readings:prune), which summarise the waits (and other timings) with `spread`.
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

/** Median, 99th percentile and maximum of some timings (ms; 0 when there are none), and how many. */
export function spread (xs: readonly number[]): { p50: number, p99: number, max: number, count: number } {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? 0
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? 0, count: s.length }
}
