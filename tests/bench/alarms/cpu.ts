/**
 * Who had the machine's CPUs during a run, from Linux's /proc (bench:alarms): how busy the whole
 * machine was, how much of it the load generator took, and how long the server's threads waited
 * for a CPU while they had work. On this 2-core machine the generator shares the cores with the
 * server, and a thread that is woken (a device's bytes, the database's answer) runs only once a
 * core is free: that wait is in every latency the bench measures, and it is not the server's code.
 * Null where /proc does not tell (another OS, a kernel without schedstats).
 */
import { readdirSync, readFileSync } from 'node:fs'

/** The machine's CPU time so far, in clock ticks over all cores: busy and in all. */
export interface MachineCpu { busy: number, total: number }

export function machineCpu (): MachineCpu | null {
  try {
    // cpu  user nice system idle iowait irq softirq steal …
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number)
    const busy = user + nice + system + irq + softirq + (steal || 0)
    return { busy, total: busy + idle + iowait }
  } catch { return null }
}

/** One thread's scheduler account so far, ns: on a CPU, and runnable but waiting for one. */
interface ThreadSched { onCpuNs: number, waitNs: number }

/** Every thread of `pid` by thread id (the main thread's id is the pid). */
export function threadsOf (pid: number): Map<number, ThreadSched> | null {
  try {
    const out = new Map<number, ThreadSched>()
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [onCpuNs, waitNs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number)
        out.set(Number(tid), { onCpuNs, waitNs })
      } catch { /* the thread ended meanwhile */ }
    }
    return out.size > 0 ? out : null
  } catch { return null }
}

/** A thread over the run: per cent of the run's wall time on a CPU, and waiting for one. */
export interface ThreadShare { onCpuPercent: number, waitPercent: number }

export interface CpuShares {
  /** the whole machine's CPUs busy, per cent of all of them (2 cores: 100 % = both) */
  machineBusyPercent: number | null
  /** the server's main thread (the first server process's) */
  mainThread: ThreadShare | null
  /** the server's busiest other thread in the run (embedded: PGlite's worker) */
  busiestOtherThread: ThreadShare | null
}

export interface CpuMark { at: number, machine: MachineCpu | null, threads: Map<number, ThreadSched> | null }

/** What the run's accounting starts from; `pid` is the (first) server process, if any. */
export function cpuMark (pid: number | undefined): CpuMark {
  return { at: performance.now(), machine: machineCpu(), threads: pid === undefined ? null : threadsOf(pid) }
}

export function cpuShares (a: CpuMark, b: CpuMark, pid: number | undefined): CpuShares {
  const wallNs = (b.at - a.at) * 1e6
  const share = (tid: number): ThreadShare | null => {
    const x = a.threads?.get(tid)
    const y = b.threads?.get(tid)
    if (!x || !y || wallNs <= 0) return null
    return { onCpuPercent: Math.round(((y.onCpuNs - x.onCpuNs) / wallNs) * 1000) / 10, waitPercent: Math.round(((y.waitNs - x.waitNs) / wallNs) * 1000) / 10 }
  }
  let busiest: ThreadShare | null = null
  for (const tid of b.threads?.keys() ?? []) {
    if (tid === pid) continue
    const s = share(tid)
    if (s && (!busiest || s.onCpuPercent > busiest.onCpuPercent)) busiest = s
  }
  const m = a.machine && b.machine && b.machine.total > a.machine.total
    ? Math.round(((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100)
    : null
  return { machineBusyPercent: m, mainThread: pid === undefined ? null : share(pid), busiestOtherThread: busiest }
}
