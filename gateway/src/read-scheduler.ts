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
 * Here a pass only queues what it reads. The queue is parsed in slices of at most
 * `connectionsPerSlice` connections, one slice per turn of the loop (setImmediate), so database
 * answers and timers are served between slices; a connection whose bytes hold an alarm-lane
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
  /** Connections whose queued bytes are parsed per slice. Default 64 (~2–4 ms here at 20,000 msg/s). */
  connectionsPerSlice?: number
  /** Bytes queued past which reading connections are paused until parsed. Default 8 MiB. */
  maxQueuedBytes?: number
}

export class ReadScheduler {
  readonly connectionsPerSlice: number
  readonly maxQueuedBytes: number
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
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 8 * 1024 * 1024
    if (!(Number.isInteger(this.connectionsPerSlice) && this.connectionsPerSlice > 0)) throw new RangeError(`connectionsPerSlice must be a positive integer, not ${String(opts.connectionsPerSlice)}`)
    if (!(this.maxQueuedBytes > 0)) throw new RangeError(`maxQueuedBytes must be positive, not ${String(opts.maxQueuedBytes)}`)
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
    let served = 0
    while (served < this.connectionsPerSlice) {
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
  }
}
