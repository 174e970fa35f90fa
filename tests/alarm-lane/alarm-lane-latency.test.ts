/**
 * The alarm lane at a small scale, in CI (issue 11): the `bench:alarms` machinery end to end —
 * the platform in its own process, devices provisioned through the REST API, telemetry and falls
 * from a separate load process — asserting only what must hold on any machine: every fall is
 * PUBACKed [P-4.1] and opens exactly one incident seen by an operator, within a generous bound.
 * The figures themselves belong to the benchmark (docs/benchmarks.md), not to a timed test.
 */
import { describe, expect, it } from 'vitest'
import { runAlarmBench } from '../bench/alarms/bench.ts'

describe('alarm lane under telemetry (small scale)', () => {
  it('[P-4.1] 300 devices at 1 msg/s and 4 falls/s for 5 s: every fall PUBACKed and opened once, none lost', async () => {
    const r = await runAlarmBench({ mode: 'embedded', devices: 300, rate: 300, alarms: 4, durationS: 5, workers: 1, drainS: 30 })
    const t = r.targets[0]
    expect(t.connected).toBe(300)
    expect(t.alarmsSent).toBe(20)
    expect(t.alarmsAcked).toBe(20)
    expect(t.lost).toBe(0)
    expect(t.duplicated).toBe(0)
    expect(t.latency?.count).toBe(20)
    // generous: a shared CI runner, not a performance claim
    expect(t.latency!.max).toBeLessThan(10_000)
    // telemetry was not starved for the alarms' sake either
    expect(t.telemetryAcked).toBeGreaterThan(0.9 * t.telemetrySent)
  }, 600_000)
})
