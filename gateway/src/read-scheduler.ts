/**
 * Alarms first inside the process: device bytes are parsed in short slices, connections with an
 * alarm waiting before the others (issue 11).
 *
 * Without it, Node reads every socket that has data in one pass of the event loop and aedes parses
 * and handles each message as it is read. After any pause — a full garbage collection, a burst —
 * the next pass holds thousands of telemetry messages, and it runs to its end before anything
 * else: the database's answer that a fall's PUBACK waits for, the incident engine, the operators'
 * consoles. A fall takes several such passes (inbox commit, claim, incident, announcement), so at
 * 20,000 msg/s a 0.2 s collection became a second of alarm latency.
 *
 * Here a pass only queues what it reads. The queue is parsed in slices, one slice per turn of the
 * loop (setImmediate), so database answers and timers are served between slices. A slice serves as
 * many connections as fit in `sliceBudgetMs` at what one has cost lately (measured: the slice's
 * parsing runs in the ticks right after it), at most `connectionsPerSlice`: a fixed count was
 * 2–4 ms a slice on one machine and 6–8 ms on a slower one, and every hop of a fall (inbox commit,
 * claim, incident, announcement) waits about one slice. A connection whose bytes hold an alarm-lane
 * PUBLISH (`events`, `intercom`, `commands/ack`: PacketSizeGuard tells) goes to the front. A
 * connection's own bytes stay in order. Past `maxQueuedBytes` each further reading connection is
 * paused (TCP back-pressure) until its queue has been parsed: nothing is dropped here.
 */
import { Fifo } from '@eldercare/common'

/** What the scheduler needs of a connection (GuardedConnection). */
export interface ScheduledConnection {
  /** 0 not queued, 1 queued with the others, 2 queued at the front */
  scheduled: 0 | 1 | 2
  /** when it was queued with the others (performance.now(); kept on the connection: no allocation per chunk) */
  queuedAt: number
  /** Hands every queued chunk of the connection to its reader, in order. */
  deliver(): void
}

export interface ReadSchedulerOptions {
  /** The most connections whose queued bytes are parsed per slice. Default 64. */
  connectionsPerSlice?: number
  /**
   * What a slice aims to take, parsing included, in ms: it serves the connections that fit at the
   * measured cost of one (at least one, at most `connectionsPerSlice`). Default 2. 0: always
   * `connectionsPerSlice`.
   */
  sliceBudgetMs?: number
  /** Bytes queued past which reading connections are paused until parsed. Default 8 MiB. */
  maxQueuedBytes?: number
}

/** How much one slice's measured cost per connection moves the estimate (an exponential average). */
const COST_WEIGHT = 0.25

export class ReadScheduler {
  readonly connectionsPerSlice: number
  readonly sliceBudgetMs: number
  readonly maxQueuedBytes: number
  /** what parsing one connection's queued bytes has cost lately, in ms (0: not measured yet) */
  costMs = 0
  /** bytes read and not yet parsed */
  queuedBytes = 0
  /**
   * slices run; connections served at the front; connections paused for the bound; how long the
   * connection served last had waited, in ms (what the load limit reads as "the process is behind")
   */
  readonly stats = { slices: 0, urgentServed: 0, paused: 0, waitMs: 0 }
  private readonly urgent = new Fifo<ScheduledConnection>()
  private readonly normal = new Fifo<ScheduledConnection>()
  private pending: NodeJS.Immediate | null = null
  private readonly run = (): void => { this.slice() }

  constructor (opts: ReadSchedulerOptions = {}) {
    this.connectionsPerSlice = opts.connectionsPerSlice ?? 64
    this.sliceBudgetMs = opts.sliceBudgetMs ?? 2
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 8 * 1024 * 1024
    if (!(Number.isInteger(this.connectionsPerSlice) && this.connectionsPerSlice > 0)) throw new RangeError(`connectionsPerSlice must be a positive integer, not ${String(opts.connectionsPerSlice)}`)
    if (!(Number.isFinite(this.sliceBudgetMs) && this.sliceBudgetMs >= 0)) throw new RangeError(`sliceBudgetMs must be a number of milliseconds ≥ 0, not ${String(opts.sliceBudgetMs)}`)
    if (!(this.maxQueuedBytes > 0)) throw new RangeError(`maxQueuedBytes must be positive, not ${String(opts.maxQueuedBytes)}`)
  }

  /** Connections the next slice serves: those that fit in the budget at the cost measured, 1 to `connectionsPerSlice`. */
  get sliceSize (): number {
    if (this.costMs === 0) return this.connectionsPerSlice
    return Math.max(1, Math.min(this.connectionsPerSlice, Math.floor(this.sliceBudgetMs / this.costMs)))
  }

  /** Whether a connection that has just queued bytes should stop reading for now. */
  get full (): boolean { return this.queuedBytes > this.maxQueuedBytes }

  /** Queues a connection that has bytes waiting; `urgent` when they hold an alarm. */
  offer (conn: ScheduledConnection, urgent: boolean): void {
    if (urgent && conn.scheduled !== 2) {
      // it may also stay in the other queue: served there, it finds nothing left and is skipped
      conn.scheduled = 2
      this.urgent.push(conn)
    } else if (conn.scheduled === 0) {
      conn.scheduled = 1
      conn.queuedAt = performance.now()
      this.normal.push(conn)
    } else return
    this.pending ??= setImmediate(this.run)
  }

  private slice (): void {
    this.pending = null
    this.stats.slices++
    const started = performance.now()
    const size = this.sliceSize
    let served = 0
    while (served < size) {
      let conn = this.urgent.shift()
      const front = conn !== undefined
      conn ??= this.normal.shift()
      if (!conn) break
      if (conn.scheduled === 0) continue // served already (queued twice), or flushed at its end
      if (front) this.stats.urgentServed++
      else if (conn.scheduled === 1) this.stats.waitMs = performance.now() - conn.queuedAt
      conn.scheduled = 0
      conn.deliver()
      served++
    }
    if (this.urgent.length + this.normal.length > 0) this.pending = setImmediate(this.run)
    else this.stats.waitMs = 0
    // the bytes handed over are parsed in the ticks queued as they were pushed: measured after them
    if (served > 0 && this.sliceBudgetMs > 0) process.nextTick(this.measured, started, served)
  }

  private readonly measured = (started: number, served: number): void => {
    const cost = (performance.now() - started) / served
    this.costMs = this.costMs === 0 ? cost : this.costMs + COST_WEIGHT * (cost - this.costMs)
  }
}
