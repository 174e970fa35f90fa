import type { Logger } from 'pino'

export interface LoadLimitOptions {
  /** Most telemetry/status messages inside the ingest at once; beyond it new ones are shed. Default 5000. */
  maxInFlight?: number
  /** Readings waiting for the store (points) above which telemetry is shed. Default 50000 (half the writer's default bound). */
  maxReadingsBacklog?: number
  /** Event-loop delay above which telemetry is shed, in ms (the process is behind: work queues in memory). Default 250. */
  maxLoopDelayMs?: number
  /**
   * Wait of device bytes in the read scheduler's queue (read-scheduler.ts) above which telemetry is
   * shed, in ms. Default 1000: a backlog there no longer delays alarms (they are parsed first) and
   * the queue is bounded by pausing sockets, so telemetry is held through a pause such as a full GC
   * (0.1–0.5 s here) and shed only when the process stays behind.
   */
  maxReadWaitMs?: number
  /** How often the event-loop delay is sampled, in ms. Default 20. */
  sampleIntervalMs?: number
  /** A device is told `rate_limited` for shed messages at most once per this many ms. Default 10000. */
  tellIntervalMs?: number
}

export const LOAD_LIMIT_DEFAULTS: Required<LoadLimitOptions> = {
  maxInFlight: 5000, maxReadingsBacklog: 50_000, maxLoopDelayMs: 250, maxReadWaitMs: 1000, sampleIntervalMs: 20, tellIntervalMs: 10_000
}

/** What the bound reads of the gateway, named (issue 18: no positional constructor arguments). */
export interface LoadLimitDeps {
  /** reading points waiting for the store */
  backlog?: () => number
  /** how long device bytes wait to be parsed now (read-scheduler.ts): delay that no longer shows in the event loop */
  readWaitMs?: () => number
  log?: Logger
}

export interface LoadStats {
  /** telemetry/status messages in the ingest now */
  inFlight: number
  /** most at once since start */
  peakInFlight: number
  /** messages shed since start, by reason */
  shed: { inFlight: number, backlog: number, loop: number, readWait: number }
  /** latest sampled event-loop delay, ms */
  loopDelayMs: number
}

/**
 * [P-4.3][P-4.1] The gateway's bound on telemetry work in progress (issue 11, "in-flight cap").
 * aedes reads from every socket as fast as the event loop lets it; when the gateway falls behind
 * (more devices than CPU, a slow readings store), accepted telemetry used to pile up in memory —
 * readings buffers, promises, queued statements — 1.6 GiB at 10,000 devices. Now, over any of
 * four bounds (in flight, readings backlog, event-loop delay, wait in the read queue), telemetry and status are *shed* before they are parsed: not PUBACKed, answered
 * `rate_limited` (at most once per 10 s per device; [P-4.3] asks no more than once a second), counted as outcome `shed`.
 * Alarms (`events`, `intercom`, `commands/ack`) are never shed and never counted here: they go on
 * to their durable record and PUBACK [P-4.1] whatever the load; nor is a call's WebRTC signalling
 * (`rtc/up`, [P-3.8]).
 */
export class LoadLimit {
  readonly options: Required<LoadLimitOptions>
  readonly stats: LoadStats = { inFlight: 0, peakInFlight: 0, shed: { inFlight: 0, backlog: 0, loop: 0, readWait: 0 }, loopDelayMs: 0 }
  private readonly timer: NodeJS.Timeout
  private expected: number
  /** when each device was last told `rate_limited` (swept each interval: bounded by the devices told lately) */
  private readonly told = new Map<string, number>()
  private sweptAt: number
  private lastLog = 0
  private loggedShed = 0

  private readonly backlog: () => number
  private readonly readWaitMs: () => number
  private readonly log?: Logger

  constructor (opts: LoadLimitOptions = {}, { backlog = () => 0, readWaitMs = () => 0, log }: LoadLimitDeps = {}) {
    this.backlog = backlog
    this.readWaitMs = readWaitMs
    this.log = log
    this.options = { ...LOAD_LIMIT_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) }
    const every = this.options.sampleIntervalMs
    this.expected = performance.now() + every
    this.sweptAt = performance.now()
    this.timer = setInterval(() => {
      const now = performance.now()
      this.stats.loopDelayMs = Math.max(0, now - this.expected)
      this.expected = now + every
      if (now - this.lastLog >= 10_000) this.logShed(now)
    }, every)
    this.timer.unref()
  }

  /** Why a telemetry message must be shed now, or null when it may go on. */
  overloaded (): keyof LoadStats['shed'] | null {
    if (this.stats.inFlight >= this.options.maxInFlight) return 'inFlight'
    if (this.stats.loopDelayMs > this.options.maxLoopDelayMs) return 'loop'
    if (this.readWaitMs() > this.options.maxReadWaitMs) return 'readWait'
    if (this.backlog() > this.options.maxReadingsBacklog) return 'backlog'
    return null
  }

  enter (): void {
    if (++this.stats.inFlight > this.stats.peakInFlight) this.stats.peakInFlight = this.stats.inFlight
  }

  leave (): void { this.stats.inFlight-- }

  /**
   * Whether `deviceId` should be told `rate_limited` for a shed message: at most once per
   * `tellIntervalMs` (10 s; [P-4.3] asks at most once a second). Each answer is a write to the
   * device's socket, as costly as a PUBACK, and shedding happens when the gateway is short of CPU.
   */
  tell (deviceId: string): boolean {
    const now = performance.now()
    const every = this.options.tellIntervalMs
    if (now - this.sweptAt >= every) {
      this.sweptAt = now
      for (const [id, at] of this.told) if (now - at >= every) this.told.delete(id)
    }
    const last = this.told.get(deviceId)
    if (last !== undefined && now - last < every) return false
    this.told.set(deviceId, now)
    return true
  }

  close (): void { clearInterval(this.timer) }

  /** One line per 10 s while shedding, not one per message. */
  private logShed (now: number): void {
    const { shed } = this.stats
    const total = shed.inFlight + shed.backlog + shed.loop + shed.readWait
    if (total === this.loggedShed) return
    this.log?.warn({ shedSinceLast: total - this.loggedShed, shed, inFlight: this.stats.inFlight, loopDelayMs: Math.round(this.stats.loopDelayMs), readWaitMs: Math.round(this.readWaitMs()), readingsBacklog: this.backlog() },
      'gateway overloaded: telemetry shed (not PUBACKed, answered rate_limited); alarms unaffected')
    this.loggedShed = total
    this.lastLog = now
  }
}
