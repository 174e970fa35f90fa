/**
 * The alarm-lane benchmark (issue 11, ARCHITECTURE.md "The alarm lane"): the platform in its own
 * process, the fleet in separate load processes, and the figure that matters — how long a fall
 * takes from the device's PUBLISH to `incident:opened` at an operator's socket.io client — under
 * a city's telemetry, optionally side by side with Debian's Mosquitto carrying the same load.
 *
 * `runAlarmBench` is used by the `bench:alarms` command (cli.ts) and, at a small scale, by the
 * CI latency test (tests/alarm-lane/alarm-lane-latency.test.ts).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import * as hdr from 'hdr-histogram-js'
import { freePorts } from '../../support/free-port.ts'
import { startInflux, type InfluxServer } from '../../support/influx.ts'
import { startMosquitto, type MosquittoServer } from '../../support/mosquitto.ts'
import { startPostgres, type PostgresServer } from '../../support/postgres.ts'
import { runtimeNodeFlags } from '../../support/nodes.ts'
import { canConnect, makeTempDir, spawnServer, waitUntilReady, type ServerProcess } from '../../support/process.ts'
import { provisionFleet } from './provision.ts'
import { startScaledBench } from './scaled.ts'
import { cpuMark, cpuShares, type CpuShares, type ThreadShare } from './cpu.ts'
import type { Target } from './target.ts'
import type { AlarmRecord, BenchDevice, StormRecord, WorkerCommand, WorkerCounts, WorkerReply } from './protocol.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url))
const BARE_AEDES = fileURLToPath(new URL('./bare-aedes.ts', import.meta.url))
const ADMIN = { username: 'admin', password: 'bench-admin-pass-1' }

export interface AlarmBenchOptions {
  /** `scaled`: standalone gateways and platform nodes behind haproxy (./scaled.ts) */
  mode: 'embedded' | 'postgres' | 'scaled'
  /** scaled mode: standalone gateways (1 or 2) */
  gateways: number
  /** scaled mode: platform nodes (1 or 2) */
  platforms: number
  /** readings into a private InfluxDB */
  influx: boolean
  /** the same generator against Mosquitto first */
  mosquitto: boolean
  /** the same generator against a bare aedes broker (./bare-aedes.ts) before the platform */
  aedes: boolean
  devices: number
  /** telemetry messages per second over the whole fleet */
  rate: number
  /** falls per second, each from a device that sends no other fall in the run */
  alarms: number
  durationS: number
  /** load processes carrying telemetry (the probe process comes on top) */
  workers: number
  telemetryQos: 0 | 1
  /** after the run, how long to wait for incidents still on their way */
  drainS: number
  /** the checkout whose platform runs (default: this one), to compare two versions with one generator */
  root?: string
  /** node/V8 options given to the platform process before its entry point (embedded and postgres modes) */
  nodeFlags?: readonly string[]
  /**
   * A reconnect storm during the run: `atS` s in, every load process drops all its connections
   * without DISCONNECT (the falling devices of the probe process stay), and after `downMs` they
   * all reconnect, `width` handshakes in flight per load process. `silent`: the old connections are
   * not closed but left without a byte more (a NAT rebinding, a cut that sends no FIN): each
   * reconnect takes over a session the server still holds [MQTT-3.1.4-2]. Null: none.
   */
  storm?: StormOptions | null
  /** progress lines to stderr */
  log?: (line: string) => void
}

export const BENCH_DEFAULTS: AlarmBenchOptions = {
  mode: 'embedded', gateways: 2, platforms: 2, influx: false, mosquitto: false, aedes: false, devices: 2000, rate: 2000, alarms: 20, durationS: 60, workers: 2, telemetryQos: 1, drainS: 20, storm: null
}

export interface StormOptions { atS: number, downMs: number, width: number, silent?: boolean }

/** What a storm did, and what the falls sent meanwhile took. */
export interface StormResult {
  cut: number
  reconnected: number
  /** reconnects refused or timed out */
  failed: number
  /** the failures by why (the load processes' words) */
  failedWhy: Record<string, number>
  /** from the cut until the last device was back, s (null when some process never finished) */
  backS: number | null
  /** each reconnect's CONNECT → CONNACK */
  connack: Latency | null
  /** falls sent from the cut until 1 s after the last device was back (PUBLISH → incident:opened) */
  during: Latency | null
  duringPuback: Latency | null
  /** the other falls of the run */
  outside: Latency | null
}

export interface Latency { p50: number, p90: number, p99: number, max: number, count: number }

export interface TargetResult {
  target: string
  connected: number
  connectFailures: number
  connectS: number
  /** after the connect storm, until the server answered /metrics again */
  settleS: number
  runS: number
  latency: Latency | null
  pubackLatency: Latency | null
  alarmsSent: number
  alarmsAcked: number
  /** PUBACKed but no incident (or, for Mosquitto, never delivered) */
  lost: number
  /** more than one incident (delivery) for one fall */
  duplicated: number
  telemetrySent: number
  telemetryAcked: number
  /** messages the gateway counted as accepted, per second of the run */
  acceptedPerS: number | null
  /** reading points written to the store per second of the run */
  storedPerS: number | null
  /** points still buffered at the end of the run */
  readingsBufferedAtEnd: number | null
  /** telemetry messages the gateway accepted during the run, in all */
  acceptedTotal: number | null
  /** reading points written from the start of the run to the end of the drain (the run's telemetry, stored or not) */
  storedThroughDrain: number | null
  /**
   * Telemetry PUBACKed to a load process but not stored by the drain's end (QoS 1 only; one point
   * a message): more than 0 is telemetry lost. Less than 0 = stored, its PUBACK not (yet) heard —
   * a storm's cut falls between the two.
   */
  telemetryAckedNotStored: number | null
  /** presence batches handed to the database in the run: changes (and their devices) and coarse last-seen; null where not measured */
  presenceBatches: { change: number | null, coarse: number | null, changeDevices: number | null }
  loopLagP99Ms: number | null
  /**
   * The probe process's own event-loop delay p99 during the run (it stamps each fall's PUBLISH and
   * arrival): the part of a latency that is the generator's, not the target's
   */
  generatorLagP99Ms: number | null
  /** the five slowest falls: when they were sent (s into the run) and their latency (ms) — a tail's time of day */
  slowest: Array<{ atS: number, ms: number }>
  /** the server's longest event-loop delay in the run (the first server's; one stall makes a tail) */
  loopLagMaxMs: number | null
  /** the server's garbage collections in the run by kind (major, minor, incremental, weakcb): how many, and their time in all, ms */
  gc: Record<string, { n: number, ms: number }> | null
  /** peak RSS of the server process over its life (VmHWM), MiB */
  rssMiB: number | null
  /** transaction ids the platform's database spent a second during the run (null for Mosquitto, or an older platform) */
  xidPerS: number | null
  /** peak RSS sampled during the run, MiB */
  runRssMiB: number | null
  cpuPercent: number | null
  /** the load processes' CPU in the run (probe included), per cent of one core, as `cpuPercent` */
  generatorCpuPercent: number | null
  /** the machine's CPUs and the server's threads in the run (./cpu.ts) */
  cpu: CpuShares
  closedDuringRun: number
  /** the machine's 1-minute load average at the end of the run (the benchmark shares the machine) */
  loadAvg: number
  /** why this target's run did not complete (its figures are then empty) */
  error: string | null
  /**
   * Where the alarms' time went, from the server's /metrics (histograms, so percentiles are
   * interpolated within buckets): each stage of the alarm path from the PUBLISH's arrival, and
   * the database statements' lane wait and call time. Absent for a server without these metrics.
   */
  breakdown?: Array<{ name: string, count: number, p50: number | null, p90: number | null, p99: number | null }>
  /** the reconnect storm, when one was asked for */
  storm: StormResult | null
}

function failedTarget (target: string, err: unknown): TargetResult {
  return {
    target, connected: 0, connectFailures: 0, connectS: 0, settleS: 0, runS: 0, latency: null, pubackLatency: null, alarmsSent: 0, alarmsAcked: 0, lost: 0, duplicated: 0,
    telemetrySent: 0, telemetryAcked: 0, acceptedPerS: null, storedPerS: null, readingsBufferedAtEnd: null, acceptedTotal: null, storedThroughDrain: null, telemetryAckedNotStored: null, presenceBatches: { change: null, coarse: null, changeDevices: null }, loopLagP99Ms: null, generatorLagP99Ms: null, slowest: [], loopLagMaxMs: null, gc: null, rssMiB: null, runRssMiB: null, xidPerS: null,
    cpuPercent: null, generatorCpuPercent: null, cpu: { machineBusyPercent: null, mainThread: null, busiestOtherThread: null }, closedDuringRun: 0, loadAvg: Math.round(loadavg()[0] * 10) / 10, error: (err as Error).message ?? String(err), breakdown: [], storm: null
  }
}

export interface AlarmBenchResult { options: AlarmBenchOptions, targets: TargetResult[] }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A load process and a typed request/answer over its IPC channel. */
class Worker {
  readonly child: ChildProcess
  private waiting: Array<{ type: WorkerReply['type'], resolve: (r: WorkerReply) => void, reject: (e: Error) => void }> = []
  private exited = false
  constructor (readonly name: string) {
    this.child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: ROOT })
    this.child.on('message', (m: WorkerReply) => {
      if (m.type === 'error') { for (const w of this.waiting.splice(0)) w.reject(new Error(`${name}: ${m.message}`)); return }
      const i = this.waiting.findIndex((w) => w.type === m.type)
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m)
    })
    this.child.on('exit', (code) => {
      this.exited = true
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${name} exited (code ${code})`))
    })
  }

  ask<T extends WorkerReply['type']> (cmd: WorkerCommand, answer: T, timeoutMs: number): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.exited) { reject(new Error(`${this.name} is not running`)); return }
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${answer}' within ${timeoutMs} ms`)), timeoutMs)
      this.waiting.push({ type: answer, resolve: (r) => { clearTimeout(timer); resolve(r as Extract<WorkerReply, { type: T }>) }, reject: (e) => { clearTimeout(timer); reject(e) } })
      this.child.send(cmd)
    })
  }

  async stop (): Promise<void> {
    if (this.exited) return
    const gone = new Promise((r) => this.child.once('exit', r))
    try { this.child.send({ type: 'stop' } satisfies WorkerCommand) } catch {}
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000)
    await gone
    clearTimeout(timer)
  }
}

function latencyOf (values: number[]): Latency | null {
  if (values.length === 0) return null
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 })
  for (const v of values) h.recordValue(Math.max(1, Math.round(v * 1000))) // µs
  const ms = (us: number) => Math.round(us / 10) / 100
  // HDR answers a percentile with its bucket's upper bound, which may lie above the exact maximum
  const pct = (q: number) => ms(Math.min(h.getValueAtPercentile(q), h.maxValue))
  const out = { p50: pct(50), p90: pct(90), p99: pct(99), max: ms(h.maxValue), count: values.length }
  h.destroy()
  return out
}

/** The platform as `npm start` runs it (node + tsx, platform/src/main.ts), in its own process. */
interface PlatformProcess {
  proc: ServerProcess
  httpUrl: string
  mqttPort: number
  stop(): Promise<void>
}

async function startPlatform (root: string, env: Record<string, string>, nodeFlags: readonly string[] = []): Promise<PlatformProcess> {
  const data = makeTempDir('bench-alarms')
  const [http, mqtt, ws] = await freePorts(3)
  // as npm start runs it: the checkout's runtime flags, then --node-flag's (the later one wins)
  const proc = spawnServer('platform', process.execPath, [...runtimeNodeFlags(root), ...nodeFlags, '--import', 'tsx', 'platform/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HTTP_PORT: String(http), MQTT_PORT: String(mqtt), MQTT_WS_PORT: String(ws), HOST: '127.0.0.1',
      DATA_DIR: data.dir, DEMO: 'off', ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn',
      ...env
    }
  })
  const httpUrl = `http://127.0.0.1:${http}`
  try {
    await waitUntilReady('platform', async () => (await fetch(`${httpUrl}/api/health`)).status < 500, { timeoutMs: 120_000, intervalMs: 200, process: proc })
  } catch (err) {
    await proc.kill('SIGKILL')
    data.remove()
    throw err
  }
  return { proc, httpUrl, mqttPort: mqtt, async stop () { await proc.kill('SIGTERM', 15_000); data.remove() } }
}

/** Prometheus text → the value of the first sample of `name` whose labels contain `labels`. */
export function metricValue (text: string, name: string, labels: Record<string, string> = {}): number | null {
  let total: number | null = null
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (!m || m[1] !== name) continue
    const l = m[2] ?? ''
    if (!Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) continue
    total = (total ?? 0) + Number(m[3])
  }
  return total
}

/** `/metrics` of every URL, or null when one does not answer. */
async function scrapeAll (urls: string[]): Promise<string[] | null> {
  const texts = await Promise.all(urls.map(scrape))
  return texts.some((t) => t === null) ? null : texts as string[]
}

/** `metricValue` summed over several servers' `/metrics`; null when no server has the metric. */
function metricSum (texts: string[], name: string, labels: Record<string, string> = {}): number | null {
  const values = texts.map((t) => metricValue(t, name, labels)).filter((v): v is number => v !== null)
  return values.length === 0 ? null : values.reduce((n, v) => n + v, 0)
}

/**
 * A histogram's growth between two scrapes, per value of `label`: count and percentiles in ms,
 * interpolated linearly inside the bucket that holds them (as Prometheus' histogram_quantile).
 */
export function histogramDelta (before: string, after: string, name: string, label: string): Array<{ name: string, count: number, p50: number | null, p90: number | null, p99: number | null }> {
  const buckets = (text: string) => {
    const out = new Map<string, Array<[number, number]>>()
    for (const line of text.split('\n')) {
      const m = new RegExp(`^${name}_bucket\\{(.*)\\}\\s+(\\S+)`).exec(line)
      if (!m) continue
      const le = /le="([^"]+)"/.exec(m[1])?.[1]
      const v = new RegExp(`${label}="([^"]*)"`).exec(m[1])?.[1]
      if (le === undefined || v === undefined) continue
      const list = out.get(v) ?? []
      list.push([le === '+Inf' ? Infinity : Number(le), Number(m[2])])
      out.set(v, list)
    }
    return out
  }
  const a = buckets(before)
  const rows = []
  for (const [v, list] of buckets(after)) {
    const prev = new Map(a.get(v) ?? [])
    const cum = list.map(([le, n]) => [le, n - (prev.get(le) ?? 0)] as [number, number])
    const total = cum.at(-1)?.[1] ?? 0
    const q = (p: number): number | null => {
      if (total === 0) return null
      const rank = p * total
      let lo = 0
      let below = 0
      for (const [le, n] of cum) {
        if (n >= rank) {
          if (le === Infinity) return Math.round(lo * 1e5) / 100
          return Math.round((lo + (le - lo) * ((rank - below) / Math.max(1, n - below))) * 1e5) / 100
        }
        lo = le
        below = n
      }
      return null
    }
    rows.push({ name: `${v}`, count: total, p50: q(0.5), p90: q(0.9), p99: q(0.99) })
  }
  return rows
}

/** `/metrics`, or null when the server does not answer within 60 s (that is a finding too). */
async function scrape (httpUrl: string): Promise<string | null> {
  try {
    return await (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(60_000) })).text()
  } catch {
    return null
  }
}

function procStatus (pid: number): { rssKiB: number, hwmKiB: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0)
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') }
  } catch { return null }
}

/** utime + stime of `pid`, in seconds. */
function cpuSeconds (pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // clock ticks (USER_HZ = 100 on Linux)
  } catch { return null }
}

/** RSS now and peak RSS (VmHWM) summed over `pids` (for several processes the peaks' sum bounds the sum's peak); null when none is readable. */
function statusOf (pids: number[]): { rssKiB: number, hwmKiB: number } | null {
  const all = pids.map(procStatus).filter((s): s is { rssKiB: number, hwmKiB: number } => s !== null)
  return all.length === 0 ? null : { rssKiB: all.reduce((n, s) => n + s.rssKiB, 0), hwmKiB: all.reduce((n, s) => n + s.hwmKiB, 0) }
}

/** CPU seconds summed over `pids`; null when none is readable. */
function cpuSecondsOf (pids: number[]): number | null {
  const all = pids.map(cpuSeconds).filter((s): s is number => s !== null)
  return all.length === 0 ? null : all.reduce((n, s) => n + s, 0)
}

/** Splits the fleet: the probe process gets the devices that fall (they send telemetry too). */
function plan (o: AlarmBenchOptions, devices: BenchDevice[]): { probe: BenchDevice[], others: BenchDevice[][], alarms: Array<{ deviceId: string, atMs: number }> } {
  const count = Math.min(devices.length, Math.floor(o.alarms * o.durationS))
  const probe = devices.slice(0, count)
  const rest = devices.slice(count)
  const others = Array.from({ length: Math.max(1, o.workers) }, (_, w) => rest.filter((_, i) => i % Math.max(1, o.workers) === w)).filter((s) => s.length > 0)
  // the first fall after one telemetry period, so every device is already under way; the falls
  // spread evenly over the rest of the run (they used to keep --alarms' spacing from there and the
  // last second's worth was clamped to the run's last millisecond: a burst of 20 at once)
  const startMs = Math.min(1000, (o.durationS * 1000) / 2)
  const gapMs = (o.durationS * 1000 - startMs) / Math.max(1, count)
  const alarms = probe.map((d, i) => ({ deviceId: d.id, atMs: startMs + i * gapMs }))
  return { probe, others, alarms }
}


async function runTarget (o: AlarmBenchOptions, t: Target, devices: BenchDevice[], log: (l: string) => void): Promise<TargetResult> {
  const { probe, others, alarms } = plan(o, devices)
  const probeWorker = new Worker('probe')
  const workers = others.map((_, i) => new Worker(`load-${i + 1}`))
  const all = [probeWorker, ...workers]
  try {
    const connectStart = performance.now()
    const keepaliveS = 60
    const connected = await Promise.all([
      probeWorker.ask({ type: 'connect', host: t.host, port: t.port, devices: probe, width: 20, keepaliveS }, 'connected', 600_000),
      ...workers.map((w, i) => w.ask({ type: 'connect', host: t.host, port: t.port, devices: others[i], width: 50, keepaliveS }, 'connected', 600_000))
    ])
    const connectS = (performance.now() - connectStart) / 1000
    const nConnected = connected.reduce((n, c) => n + c.connected, 0)
    const connectFailures = connected.reduce((n, c) => n + c.failed, 0)
    log(`${t.name}: ${nConnected} devices connected in ${connectS.toFixed(1)} s (${connectFailures} failed)`)
    // let the connect storm's bookkeeping settle before measuring: the server answers /metrics again (bounded)
    const settleStart = performance.now()
    await sleep(2000)
    const measured = t.metricsUrls.length > 0
    let m0 = measured ? await scrapeAll(t.metricsUrls) : null // also resets the event-loop lag histograms
    while (measured && m0 === null && performance.now() - settleStart < 300_000) m0 = await scrapeAll(t.metricsUrls)
    const settleS = Math.round((performance.now() - settleStart) / 100) / 10
    if (measured && m0 === null) throw new Error(`the server did not answer /metrics within ${settleS} s after ${nConnected} devices connected`)
    const points0 = await t.pointsStored?.() ?? null
    await probeWorker.ask({ type: 'probe', probe: t.probe }, 'probeReady', 60_000)
    const cpu0 = cpuSecondsOf(t.pids)
    const generatorPids = all.map((w) => w.child.pid).filter((p): p is number => p !== undefined)
    const generatorCpu0 = cpuSecondsOf(generatorPids)
    const mark0 = cpuMark(t.pids[0])
    let peakRssKiB = 0
    const sampler = setInterval(() => { const s = statusOf(t.pids); if (s) peakRssKiB = Math.max(peakRssKiB, s.rssKiB) }, 500)
    const tag = `b${Date.now().toString(36)}`
    const hz = o.rate / Math.max(1, devices.length)
    const ran = await Promise.all(all.map((w, i) => w.ask({
      type: 'run', tag, durationMs: o.durationS * 1000, telemetryPerDeviceHz: hz, telemetryQos: o.telemetryQos, alarms: i === 0 ? alarms : [],
      // the probe process (i = 0) holds the falling devices: they stay connected through the storm
      storm: i > 0 && o.storm ? { atMs: o.storm.atS * 1000, downMs: o.storm.downMs, width: o.storm.width, silent: o.storm.silent === true } : undefined
    }, 'ran', o.durationS * 1000 + 60_000)))
    const runS = Math.max(...ran.map((r) => r.runS))
    const m1 = measured ? await scrapeAll(t.metricsUrls) : null
    const cpu1 = cpuSecondsOf(t.pids)
    const generatorCpu1 = cpuSecondsOf(generatorPids)
    const mark1 = cpuMark(t.pids[0])
    const points1 = await t.pointsStored?.() ?? null
    log(`${t.name}: run of ${runS.toFixed(1)} s done; waiting up to ${o.drainS} s for the last alarms`)

    // wait for alarms still on their way (bounded)
    let collected = await Promise.all(all.map((w) => w.ask({ type: 'collect' }, 'collected', 30_000)))
    const drainUntil = performance.now() + o.drainS * 1000
    const outstanding = () => collected[0].alarms.filter((a) => a.ackedMs !== null && a.arrivedMs === null).length
    while (outstanding() > 0 && performance.now() < drainUntil) {
      await sleep(250)
      collected = await Promise.all(all.map((w) => w.ask({ type: 'collect' }, 'collected', 30_000)))
    }
    // a duplicate may come after the first: a last short wait, then the final count
    await sleep(1000)
    collected = await Promise.all(all.map((w) => w.ask({ type: 'collect' }, 'collected', 30_000)))
    clearInterval(sampler)
    const hwm = statusOf(t.pids)
    // what the run's telemetry became once the readings buffer had time to flush: its last partial
    // batch leaves on the writer's timer (1 s), so wait (bounded) until nothing is buffered
    let m2 = measured ? await scrapeAll(t.metricsUrls) : null
    const flushUntil = performance.now() + 10_000
    while (m2 && t.gatewayMetrics && (metricSum(m2, 'eldercare_readings_buffered') ?? 0) > 0 && performance.now() < flushUntil) {
      await sleep(250)
      m2 = await scrapeAll(t.metricsUrls) ?? m2
    }
    const points2 = await t.pointsStored?.() ?? null

    const records: AlarmRecord[] = collected[0].alarms
    const sum = (f: (c: WorkerCounts) => number) => collected.reduce((n, c) => n + f(c.counts), 0)
    const telemetryAcked = sum((c) => c.telemetryAcked)
    const delta = (name: string, labels?: Record<string, string>) => {
      if (!m0 || !m1 || !t.gatewayMetrics) return null
      // a counter appears at its first increment: absent before the run means 0
      const a = metricSum(m0, name, labels) ?? 0
      const b = metricSum(m1, name, labels)
      return b === null ? null : b - a
    }
    const accepted = delta('eldercare_gateway_messages_total', { kind: 'telemetry', outcome: 'accepted' })
    const written = t.pointsStored ? (points0 !== null && points1 !== null ? points1 - points0 : null) : delta('eldercare_readings_written')
    const writtenThroughDrain = t.pointsStored
      ? (points0 !== null && points2 !== null ? points2 - points0 : null)
      : m0 && m2 && t.gatewayMetrics ? (metricSum(m2, 'eldercare_readings_written') ?? 0) - (metricSum(m0, 'eldercare_readings_written') ?? 0) : null
    const lags = (m1 ?? []).map((m) => metricValue(m, 'nodejs_eventloop_lag_p99_seconds')).filter((v): v is number => v !== null)
    const lag = lags.length > 0 ? Math.max(...lags) : null
    // over every node scraped, as the p99 above (it read the first node's only: a scaled run showed
    // a p99 of 1,795 ms beside a "max" of 64)
    const lagMaxes = (m1 ?? []).map((m) => metricValue(m, 'nodejs_eventloop_lag_max_seconds')).filter((v): v is number => v !== null)
    const lagMax = lagMaxes.length > 0 ? Math.max(...lagMaxes) : null
    const gc = (() => {
      if (!m0?.[0] || !m1?.[0]) return null
      const out: Record<string, { n: number, ms: number }> = {}
      for (const kind of ['major', 'minor', 'incremental', 'weakcb']) {
        const n = (metricValue(m1[0], 'nodejs_gc_duration_seconds_count', { kind }) ?? 0) - (metricValue(m0[0], 'nodejs_gc_duration_seconds_count', { kind }) ?? 0)
        const sec = (metricValue(m1[0], 'nodejs_gc_duration_seconds_sum', { kind }) ?? 0) - (metricValue(m0[0], 'nodejs_gc_duration_seconds_sum', { kind }) ?? 0)
        if (n > 0) out[kind] = { n, ms: Math.round(sec * 1000) }
      }
      return out
    })()
    return {
      target: t.name,
      connected: nConnected,
      connectFailures,
      connectS: Math.round(connectS * 10) / 10,
      settleS,
      runS: Math.round(runS * 10) / 10,
      latency: latencyOf(records.filter((r) => r.arrivedMs !== null).map((r) => r.arrivedMs!)),
      storm: o.storm ? stormOf(collected.slice(1).map((c) => c.storm), alarms, records) : null,
      pubackLatency: latencyOf(records.filter((r) => r.ackedMs !== null).map((r) => r.ackedMs!)),
      alarmsSent: records.filter((r) => r.sent).length,
      alarmsAcked: records.filter((r) => r.ackedMs !== null).length,
      lost: records.filter((r) => r.ackedMs !== null && r.arrivedMs === null).length,
      duplicated: records.reduce((n, r) => n + Math.max(0, r.arrivals - 1), 0),
      telemetrySent: sum((c) => c.telemetrySent),
      telemetryAcked,
      acceptedPerS: accepted === null ? null : Math.round(accepted / runS),
      storedPerS: written === null ? null : Math.round(written / runS),
      readingsBufferedAtEnd: m1 && t.gatewayMetrics ? metricSum(m1, 'eldercare_readings_buffered') : null,
      acceptedTotal: accepted,
      storedThroughDrain: writtenThroughDrain,
      presenceBatches: { change: delta('eldercare_gateway_presence_batches', { kind: 'change' }), coarse: delta('eldercare_gateway_presence_batches', { kind: 'coarse' }), changeDevices: delta('eldercare_gateway_presence_devices', { kind: 'change' }) },
      telemetryAckedNotStored: o.telemetryQos === 1 && writtenThroughDrain !== null ? telemetryAcked - writtenThroughDrain : null,
      loopLagP99Ms: lag === null ? null : Math.round(lag * 10_000) / 10,
      generatorLagP99Ms: collected[0].loopLagP99Ms,
      slowest: alarms.flatMap((a) => {
        const ms = records.find((r) => r.deviceId === a.deviceId)?.arrivedMs
        return ms === null || ms === undefined ? [] : [{ atS: Math.round(a.atMs / 100) / 10, ms: Math.round(ms * 10) / 10 }]
      }).sort((x, y) => y.ms - x.ms).slice(0, 5),
      loopLagMaxMs: lagMax === null ? null : Math.round(lagMax * 10_000) / 10,
      gc,
      rssMiB: hwm ? Math.round(Math.max(peakRssKiB, hwm.hwmKiB) / 1024) : null,
      runRssMiB: hwm ? Math.round(peakRssKiB / 1024) : null,
      cpuPercent: cpu0 !== null && cpu1 !== null ? Math.round(((cpu1 - cpu0) / runS) * 100) : null,
      generatorCpuPercent: generatorCpu0 !== null && generatorCpu1 !== null ? Math.round(((generatorCpu1 - generatorCpu0) / runS) * 100) : null,
      cpu: cpuShares(mark0, mark1, t.pids[0]),
      xidPerS: (() => {
        // transaction ids the database spent a second (each write statement outside a transaction, each transaction)
        const a = m0?.[0] ? metricValue(m0[0], 'eldercare_db_xid_age') : null
        const b = m1?.[0] ? metricValue(m1[0], 'eldercare_db_xid_age') : null
        return a === null || b === null ? null : Math.round((b - a) / runS)
      })(),
      closedDuringRun: sum((c) => c.closedDuringRun),
      loadAvg: Math.round(loadavg()[0] * 10) / 10,
      error: null,
      // where the time went, from the first server's histograms (the embedded process, or the first platform node when scaled)
      breakdown: m0 && m1 && m0.length > 0 && m1.length > 0
        ? [
            ...histogramDelta(m0[0], m1[0], 'eldercare_alarm_path_seconds', 'stage').map((r) => ({ ...r, name: `path: ${r.name}` })),
            ...histogramDelta(m0[0], m1[0], 'eldercare_db_statement_wait_seconds', 'lane').map((r) => ({ ...r, name: `db wait: ${r.name}` })),
            ...histogramDelta(m0[0], m1[0], 'eldercare_db_statement_seconds', 'lane').map((r) => ({ ...r, name: `db call: ${r.name}` }))
          ]
        : []
    }
  } finally {
    await Promise.all(all.map((w) => w.stop()))
  }
}

/** A storm's figures from the load processes' records, and the falls split by when they were sent. */
function stormOf (storms: Array<StormRecord | null>, alarms: Array<{ deviceId: string, atMs: number }>, records: AlarmRecord[]): StormResult {
  const all = storms.filter((s): s is StormRecord => s !== null)
  const unfinished = all.length === 0 || all.some((s) => s.doneMs === null)
  const from = all.length > 0 ? Math.min(...all.map((s) => s.cutAtMs)) : Infinity
  // until every device was back, and a second more (what the reconnects left behind)
  const until = unfinished ? Infinity : Math.max(...all.map((s) => s.cutAtMs + s.doneMs!)) + 1000
  const at = new Map(alarms.map((a) => [a.deviceId, a.atMs]))
  const inStorm = (r: AlarmRecord) => { const t = at.get(r.deviceId) ?? -1; return t >= from && t <= until }
  const arrived = (rs: AlarmRecord[]) => latencyOf(rs.filter((r) => r.arrivedMs !== null).map((r) => r.arrivedMs!))
  return {
    cut: all.reduce((n, s) => n + s.cut, 0),
    reconnected: all.reduce((n, s) => n + s.reconnected, 0),
    failed: all.reduce((n, s) => n + s.failed, 0),
    failedWhy: all.reduce<Record<string, number>>((why, s) => { for (const [k, n] of Object.entries(s.failedWhy)) why[k] = (why[k] ?? 0) + n; return why }, {}),
    backS: unfinished ? null : Math.round(Math.max(...all.map((s) => s.doneMs!)) / 100) / 10,
    connack: latencyOf(all.flatMap((s) => s.connackMs)),
    during: arrived(records.filter(inStorm)),
    duringPuback: latencyOf(records.filter((r) => inStorm(r) && r.ackedMs !== null).map((r) => r.ackedMs!)),
    outside: arrived(records.filter((r) => !inStorm(r)))
  }
}

/** Devices for a reference broker, which checks no credentials. */
function referenceFleet (n: number): BenchDevice[] {
  return Array.from({ length: n }, (_, i) => ({ id: `bench-w-${String(i + 1).padStart(5, '0')}`, secret: 'x' }))
}

/** Runs the benchmark: Mosquitto first, then bare aedes (each if asked), then the platform; everything is stopped after. */
export async function runAlarmBench (opts: Partial<AlarmBenchOptions> = {}): Promise<AlarmBenchResult> {
  const o: AlarmBenchOptions = { ...BENCH_DEFAULTS, ...opts }
  const log = o.log ?? (() => {})
  const targets: TargetResult[] = []
  const stops: Array<() => Promise<void>> = []
  try {
    if (o.mosquitto) {
      const broker: MosquittoServer = await startMosquitto()
      stops.push(() => broker.stop())
      log(`mosquitto on port ${broker.port}`)
      targets.push(await runTarget(o, { name: 'mosquitto', host: '127.0.0.1', port: broker.port, probe: { kind: 'mqtt', host: '127.0.0.1', port: broker.port }, pids: [broker.pid], metricsUrls: [], gatewayMetrics: false }, referenceFleet(o.devices), log)
        .catch((err) => failedTarget('mosquitto', err)))
      await stops.pop()!()
    }
    if (o.aedes) {
      const port = (await freePorts(1))[0]
      const proc = spawnServer('bare-aedes', process.execPath, ['--import', 'tsx', BARE_AEDES, String(port)], { cwd: ROOT })
      stops.push(() => proc.kill('SIGTERM'))
      log(`bare aedes on port ${port}`)
      const target: Target = { name: 'aedes', host: '127.0.0.1', port, probe: { kind: 'mqtt', host: '127.0.0.1', port }, pids: [proc.pid], metricsUrls: [], gatewayMetrics: false }
      targets.push(await waitUntilReady('bare aedes', () => canConnect(port), { timeoutMs: 30_000, intervalMs: 100, process: proc })
        .then(() => runTarget(o, target, referenceFleet(o.devices), log))
        .catch((err) => failedTarget('aedes', err)))
      await stops.pop()!()
    }

    if (o.mode === 'scaled') {
      log(`starting the scaled stack: ${o.gateways} gateway(s), ${o.platforms} platform node(s), PostgreSQL, Redis, InfluxDB, haproxy`)
      const scaled = await startScaledBench(o, ADMIN, log)
      stops.push(() => scaled.stop())
      const provisionStart = performance.now()
      const fleet = await provisionFleet(scaled.stack.httpUrl, ADMIN, o.devices)
      log(`provisioned ${fleet.devices.length} devices through haproxy in ${((performance.now() - provisionStart) / 1000).toFixed(1)} s`)
      const target = scaled.target(fleet.token)
      targets.push(await runTarget(o, target, fleet.devices, log).catch((err) => failedTarget(target.name, err)))
      return { options: o, targets }
    }
    const env: Record<string, string> = {}
    if (o.mode === 'postgres') {
      const pg: PostgresServer = await startPostgres()
      stops.push(() => pg.stop())
      env.DATABASE_URL = await pg.createDatabase('bench_alarms')
      // required with DATABASE_URL since issue 13 (every node encrypts with the same key)
      env.DATA_KEY = process.env.DATA_KEY ?? randomBytes(32).toString('base64')
    }
    if (o.influx) {
      const influx: InfluxServer = await startInflux()
      stops.push(() => influx.dispose())
      env.INFLUX_URL = await influx.createDatabase('bench_alarms')
    }
    log(`starting the platform (${o.mode}${o.influx ? ' + InfluxDB' : ''})`)
    const platform = await startPlatform(o.root ?? ROOT, env, o.nodeFlags)
    stops.push(() => platform.stop())
    const provisionStart = performance.now()
    const fleet = await provisionFleet(platform.httpUrl, ADMIN, o.devices)
    log(`provisioned ${fleet.devices.length} devices in ${((performance.now() - provisionStart) / 1000).toFixed(1)} s`)
    const name = `${o.mode}${o.influx ? '+influx' : ''}`
    targets.push(await runTarget(o, {
      name, host: '127.0.0.1', port: platform.mqttPort, probe: { kind: 'socketio', httpUrl: platform.httpUrl, token: fleet.token }, pids: [platform.proc.pid], metricsUrls: [platform.httpUrl], gatewayMetrics: true
    }, fleet.devices, log).catch((err) => failedTarget(name, err)))
    return { options: o, targets }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  }
}

/** The result as a table, one column per target. */
export function benchTable (r: AlarmBenchResult): string {
  const f = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? '–' : `${v.toLocaleString('en-US')}${unit}`)
  const share = (s: ThreadShare | null) => (s ? `${f(s.onCpuPercent)} / ${f(s.waitPercent)} %` : '–')
  const rows: Array<[string, (t: TargetResult) => string]> = [
    ['devices connected', (t) => `${f(t.connected)} of ${f(r.options.devices)}${t.connectFailures ? ` (${t.connectFailures} refused)` : ''}`],
    ['connect time', (t) => `${t.connectS} s`],
    ['settle time', (t) => `${t.settleS} s`],
    ['alarms sent / PUBACKed', (t) => `${t.alarmsSent} / ${t.alarmsAcked}`],
    ['alarm p50', (t) => f(t.latency?.p50, ' ms')],
    ['alarm p90', (t) => f(t.latency?.p90, ' ms')],
    ['alarm p99', (t) => f(t.latency?.p99, ' ms')],
    ['alarm max', (t) => f(t.latency?.max, ' ms')],
    ['PUBACK p99 (falls)', (t) => f(t.pubackLatency?.p99, ' ms')],
    ['alarms lost', (t) => f(t.lost)],
    ['alarms duplicated', (t) => f(t.duplicated)],
    ['telemetry sent /s', (t) => f(Math.round(t.telemetrySent / t.runS))],
    ['telemetry PUBACKed /s', (t) => f(Math.round(t.telemetryAcked / t.runS))],
    ['telemetry accepted /s', (t) => f(t.acceptedPerS)],
    ['reading points stored /s', (t) => f(t.storedPerS)],
    ['points buffered at end', (t) => f(t.readingsBufferedAtEnd)],
    ['telemetry accepted (all)', (t) => f(t.acceptedTotal)],
    ['points stored by drain end', (t) => f(t.storedThroughDrain)],
    ['telemetry sent / PUBACKed (all)', (t) => `${f(t.telemetrySent)} / ${f(t.telemetryAcked)}`],
    ['telemetry PUBACKed, not stored', (t) => f(t.telemetryAckedNotStored)],
    ['presence batches: changes (devices) / coarse', (t) => `${f(t.presenceBatches.change)} (${f(t.presenceBatches.changeDevices)}) / ${f(t.presenceBatches.coarse)}`],
    ['event-loop lag p99', (t) => f(t.loopLagP99Ms, ' ms')],
    ['event-loop lag max', (t) => f(t.loopLagMaxMs, ' ms')],
    ['GC in run: major / minor', (t) => t.gc ? `${t.gc.major?.n ?? 0}× ${t.gc.major?.ms ?? 0} ms / ${t.gc.minor?.n ?? 0}× ${t.gc.minor?.ms ?? 0} ms` : '–'],
    ['generator loop lag p99', (t) => f(t.generatorLagP99Ms, ' ms')],
    ['server CPU', (t) => f(t.cpuPercent, ' %')],
    ['load generator CPU', (t) => f(t.generatorCpuPercent, ' %')],
    ['machine CPUs busy (all cores)', (t) => f(t.cpu.machineBusyPercent, ' %')],
    ['server main thread: on CPU / waiting for one', (t) => share(t.cpu.mainThread)],
    ['server busiest other thread: on / waiting', (t) => share(t.cpu.busiestOtherThread)],
    ['server peak RSS (life)', (t) => f(t.rssMiB, ' MiB')],
    ['database transaction ids / s', (t) => f(t.xidPerS, '')],
    ['server peak RSS (run)', (t) => f(t.runRssMiB, ' MiB')],
    ['connections lost in run', (t) => f(t.closedDuringRun)],
    ['machine load (1 min)', (t) => f(t.loadAvg)],
    ['did not complete', (t) => (t.error ?? '').slice(0, 100)]
  ]
  const lat = (l: Latency | null | undefined) => (l ? `${f(l.p50)} / ${f(l.p99)} / ${f(l.max)} ms (${l.count})` : '–')
  if (r.options.storm) {
    rows.splice(rows.length - 1, 0,
      [r.options.storm.silent ? 'storm (silent): cut / back / failed' : 'storm: cut / back / failed', (t) => (t.storm ? `${f(t.storm.cut)} / ${f(t.storm.reconnected)} / ${f(t.storm.failed)}` : '–')],
      ['storm: why failed', (t) => (t.storm && t.storm.failed > 0 ? Object.entries(t.storm.failedWhy).map(([k, n]) => `${k} ×${f(n)}`).join(', ') : '–')],
      ['storm: all back after', (t) => f(t.storm?.backS, ' s')],
      ['storm: CONNACK p50/p99/max', (t) => lat(t.storm?.connack)],
      ['falls in storm p50/p99/max', (t) => lat(t.storm?.during)],
      ['  their PUBACK p50/p99/max', (t) => lat(t.storm?.duringPuback)],
      ['other falls p50/p99/max', (t) => lat(t.storm?.outside)])
  }
  const cols = r.targets.map((t) => [t.target, ...rows.map(([, g]) => g(t))])
  const labels = ['', ...rows.map(([k]) => k)]
  const widths = [Math.max(...labels.map((l) => l.length)), ...cols.map((c) => Math.max(...c.map((x) => x.length)))]
  const table = labels.map((l, i) => [l.padEnd(widths[0]), ...cols.map((c, j) => c[i].padStart(widths[j + 1]))].join('  ')).join('\n')
  const slow = r.targets.filter((t) => t.slowest.length > 0).map((t) =>
    `${t.target}: slowest falls (s into the run → ms): ${t.slowest.map((x) => `${x.atS} s → ${x.ms}`).join(', ')}`)
  const parts = r.targets.filter((t) => t.breakdown?.length).map((t) =>
    [`${t.target}: where the time went (ms from the PUBLISH for path stages; per statement for db; p50 / p90 / p99, count)`,
      ...t.breakdown!.map((b) => `  ${b.name.padEnd(22)} ${[b.p50, b.p90, b.p99].map((v) => f(v).padStart(8)).join(' ')}   ${b.count}`)].join('\n'))
  return [table, slow.join('\n'), ...parts].filter(Boolean).join('\n\n')
}

/** The reference brokers' lines (no platform behind them). */
const REFERENCES = ['mosquitto', 'aedes']

/** The final JSON line (issue 11's shape). */
export function benchSummary (r: AlarmBenchResult): Record<string, unknown> {
  const main = r.targets.find((t) => !REFERENCES.includes(t.target))!
  const mq = r.targets.find((t) => t.target === 'mosquitto')
  const bare = r.targets.find((t) => t.target === 'aedes')
  const ratioTo = (ref: TargetResult | undefined) => ref?.latency && main.latency ? Math.round((main.latency.p99 / Math.max(ref.latency.p99, 0.01)) * 100) / 100 : null
  const ratio = ratioTo(mq)
  return {
    mode: main.target, devices: main.connected, ratePerS: r.options.rate, alarmsPerS: r.options.alarms, durationS: r.options.durationS,
    p50: main.latency?.p50 ?? null, p90: main.latency?.p90 ?? null, p99: main.latency?.p99 ?? null, max: main.latency?.max ?? null,
    mosquittoP50: mq?.latency?.p50 ?? null, mosquittoP99: mq?.latency?.p99 ?? null, ratioP99: ratio,
    aedesP50: bare?.latency?.p50 ?? null, aedesP99: bare?.latency?.p99 ?? null, ratioP99ToAedes: ratioTo(bare),
    lost: main.lost, duplicated: main.duplicated, unacked: main.alarmsSent - main.alarmsAcked,
    error: main.error,
    acceptedPerS: main.acceptedPerS, storedPerS: main.storedPerS, acceptedTotal: main.acceptedTotal, storedThroughDrain: main.storedThroughDrain, telemetrySent: main.telemetrySent, telemetryAcked: main.telemetryAcked, telemetryAckedNotStored: main.telemetryAckedNotStored, rssMiB: main.rssMiB, xidPerS: main.xidPerS, loopLagP99Ms: main.loopLagP99Ms, loopLagMaxMs: main.loopLagMaxMs,
    stormSilent: r.options.storm ? r.options.storm.silent === true : null, stormBackS: main.storm?.backS ?? null, stormConnackP99: main.storm?.connack?.p99 ?? null, stormP99: main.storm?.during?.p99 ?? null, stormMax: main.storm?.during?.max ?? null,
    mosquittoStormP99: mq?.storm?.during?.p99 ?? null,
    generatorLagP99Ms: main.generatorLagP99Ms, mosquittoGeneratorLagP99Ms: mq?.generatorLagP99Ms ?? null, cpuPercent: main.cpuPercent, loadAvg: main.loadAvg,
    generatorCpuPercent: main.generatorCpuPercent, mosquittoGeneratorCpuPercent: mq?.generatorCpuPercent ?? null, mosquittoCpuPercent: mq?.cpuPercent ?? null,
    machineBusyPercent: main.cpu.machineBusyPercent, mosquittoMachineBusyPercent: mq?.cpu.machineBusyPercent ?? null,
    mainThreadOnCpuPercent: main.cpu.mainThread?.onCpuPercent ?? null, mainThreadWaitPercent: main.cpu.mainThread?.waitPercent ?? null
  }
}
