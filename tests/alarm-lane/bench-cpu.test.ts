/**
 * bench:alarms' account of the CPUs (tests/bench/alarms/cpu.ts): the machine's busy share and a
 * server's threads' time on a CPU and waiting for one, from Linux's /proc.
 */
import { describe, expect, it } from 'vitest'
import { cpuMark, cpuShares, machineCpu, threadsOf, type CpuMark } from '../bench/alarms/cpu.ts'

describe('bench:alarms CPU account', () => {
  it('shares of the run\'s wall time: the main thread (the pid), the busiest other thread, the machine', () => {
    const ms = 1e6
    const a: CpuMark = { at: 0, machine: { busy: 1000, total: 5000 }, threads: new Map([[7, { onCpuNs: 0, waitNs: 0 }], [8, { onCpuNs: 0, waitNs: 0 }], [9, { onCpuNs: 0, waitNs: 0 }]]) }
    const b: CpuMark = { at: 1000, machine: { busy: 1170, total: 5200 }, threads: new Map([[7, { onCpuNs: 560 * ms, waitNs: 338 * ms }], [8, { onCpuNs: 50 * ms, waitNs: 1 * ms }], [9, { onCpuNs: 220 * ms, waitNs: 215 * ms }]]) }
    expect(cpuShares(a, b, 7)).toEqual({ machineBusyPercent: 85, mainThread: { onCpuPercent: 56, waitPercent: 33.8 }, busiestOtherThread: { onCpuPercent: 22, waitPercent: 21.5 } })
    // a thread born during the run is not counted (no start); without a server only the machine
    expect(cpuShares({ ...a, threads: new Map() }, b, 7)).toMatchObject({ mainThread: null, busiestOtherThread: null })
    expect(cpuShares({ ...a, threads: null }, { ...b, threads: null }, undefined)).toEqual({ machineBusyPercent: 85, mainThread: null, busiestOtherThread: null })
  })

  it('reads this process\'s threads and the machine from /proc, and a busy main thread shows', () => {
    const m = machineCpu()!
    expect(m.busy).toBeGreaterThan(0)
    expect(m.total).toBeGreaterThan(m.busy)
    expect(threadsOf(process.pid)!.has(process.pid)).toBe(true)
    expect(threadsOf(2 ** 22 + 12345)).toBeNull() // no such process
    const a = cpuMark(process.pid)
    const until = performance.now() + 200
    while (performance.now() < until) { /* on a CPU for 200 ms */ }
    const s = cpuShares(a, cpuMark(process.pid), process.pid)
    expect(s.mainThread!.onCpuPercent).toBeGreaterThan(30)
    expect(s.machineBusyPercent).toBeGreaterThan(0)
  })
})
