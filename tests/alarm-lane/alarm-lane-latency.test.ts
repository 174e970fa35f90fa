/**
 * The alarm lane at a small scale, in CI (issue 11): the `bench:alarms` machinery end to end —
 * the platform in its own process, devices provisioned through the REST API, telemetry and falls
 * from a separate load process — asserting only what must hold on any machine: every fall is
 * PUBACKed [P-4.1] and opens exactly one incident seen by an operator, within a generous bound.
 * The figures themselves belong to the benchmark (docs/benchmarks.md), not to a timed test.
 */
import { describe, expect, it } from 'vitest'
import { benchSummary, benchTable, runAlarmBench } from '../bench/alarms/bench.ts'

describe('alarm lane under telemetry (small scale)', () => {
  it('[P-4.1] 300 devices at 1 msg/s and 4 falls/s for 5 s: every fall PUBACKed and opened once, none lost; the bare aedes reference line beside it', async () => {
    const r = await runAlarmBench({ mode: 'embedded', aedes: true, devices: 300, rate: 300, alarms: 4, durationS: 5, workers: 1, drainS: 30 })
    expect(r.targets.map((x) => x.target)).toEqual(['aedes', 'embedded'])
    // the reference: the same fleet against aedes alone (no authentication, no storage), each fall
    // delivered once to one subscriber
    const bare = r.targets[0]
    expect(bare.error).toBeNull()
    expect(bare.connected).toBe(300)
    expect(bare.alarmsAcked).toBe(20)
    expect(bare.lost).toBe(0)
    expect(bare.duplicated).toBe(0)
    expect(bare.latency?.count).toBe(20)
    expect(bare.rssMiB).toBeGreaterThan(0) // its own process, measured
    // who had the CPUs: the machine, the load processes and the server's threads, read from /proc
    for (const x of r.targets) {
      expect(x.generatorCpuPercent).toBeGreaterThan(0)
      expect(x.cpu.machineBusyPercent).toBeGreaterThan(0)
      expect(x.cpu.machineBusyPercent).toBeLessThanOrEqual(100)
      expect(x.cpu.mainThread!.onCpuPercent).toBeGreaterThan(0)
      expect(x.cpu.mainThread!.waitPercent).toBeGreaterThanOrEqual(0)
    }
    // the embedded platform's other busy thread is PGlite's worker: it ran the inbox's writes
    expect(r.targets[1].cpu.busiestOtherThread!.onCpuPercent).toBeGreaterThan(0)
    const t = r.targets[1]
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
    // and none of what was PUBACKed is missing from the store once the buffer drained
    expect(t.storedThroughDrain).not.toBeNull()
    expect(t.telemetryAckedNotStored).toBe(0)
    // the summary speaks of the platform and sets it against the reference
    const summary = benchSummary(r)
    expect(summary).toMatchObject({ mode: 'embedded', p99: t.latency!.p99, aedesP99: bare.latency!.p99, mosquittoP99: null, ratioP99: null })
    expect(summary.ratioP99ToAedes).toBeCloseTo(t.latency!.p99 / bare.latency!.p99, 1)
    expect(benchTable(r).split('\n')[0]).toMatch(/aedes\s+embedded$/)
    expect(benchTable(r)).toMatch(/server main thread: on CPU \/ waiting for one\s+[\d.]+ \/ [\d.]+ %\s+[\d.]+ \/ [\d.]+ %/)
    expect(summary.mainThreadWaitPercent).toBe(t.cpu.mainThread!.waitPercent)
  }, 600_000)

  it('[P-4.1][P-4.4] a reconnect storm: the fleet cut without DISCONNECT and back at once while falls go on — every device back, every fall PUBACKed and opened once', async () => {
    const r = await runAlarmBench({ mode: 'embedded', devices: 300, rate: 300, alarms: 4, durationS: 8, workers: 1, drainS: 30, storm: { atS: 2, downMs: 500, width: 300 } })
    const t = r.targets[0]
    expect(t.error).toBeNull()
    // the probe process's 32 falling devices stay; the load process's 268 are cut and come back
    expect(t.storm).toMatchObject({ cut: 268, reconnected: 268, failed: 0 })
    expect(t.storm!.backS).not.toBeNull()
    expect(t.storm!.connack?.count).toBe(268)
    expect(t.storm!.during?.count).toBeGreaterThan(0)
    expect(t.storm!.during!.count + t.storm!.outside!.count).toBe(32)
    expect(t.alarmsAcked).toBe(32)
    expect(t.lost).toBe(0)
    expect(t.duplicated).toBe(0)
    expect(t.latency?.count).toBe(32)
    // generous: a shared CI runner, not a performance claim
    expect(t.latency!.max).toBeLessThan(10_000)
    // only the cut devices' telemetry in flight may go unanswered
    expect(t.closedDuringRun).toBe(0)
    expect(benchTable(r)).toMatch(/storm: cut \/ back \/ failed\s+268 \/ 268 \/ 0/)
    expect(benchSummary(r).stormBackS).toBe(t.storm!.backS)
  }, 600_000)
})
