/**
 * Batches readings into a VitalsStore without ever making device ingest wait: `enqueue` only
 * appends to a bounded buffer. Batches leave when `batchSize` points are waiting or every
 * `flushIntervalMs`; a failed write is retried with exponential backoff. When the bound is hit,
 * the OLDEST points are dropped (the newest say most about the resident now), counted and logged.
 */
import type { Logger } from 'pino'
import { PermanentWriteError, type ReadingPoint, type WriteOptions } from './store.ts'

/** What the writer needs of a store: a name for the logs and a batch write (VitalsStore, TrackStore). */
export interface BatchStore<P> {
  readonly kind: string
  write(points: P[], opts?: WriteOptions): Promise<void>
}

export interface ReadingsWriterOptions {
  /** Points per write. Default 1000. */
  batchSize?: number
  /** Longest a point waits before a write is attempted, in ms. Default 1000. */
  flushIntervalMs?: number
  /** Most points held while the store is slow or down; beyond it the oldest are dropped. Default 100000. */
  maxBufferedPoints?: number
  /** First retry delay after a failed write, in ms; doubles per failure. Default 500. */
  retryMinMs?: number
  /** Longest retry delay, in ms. Default 30000. */
  retryMaxMs?: number
  /** How often "still dropping" is logged at most, in ms. Default 10000. */
  dropLogIntervalMs?: number
}

export const READINGS_WRITER_DEFAULTS: Required<ReadingsWriterOptions> = {
  batchSize: 1000,
  flushIntervalMs: 1000,
  maxBufferedPoints: 100_000,
  retryMinMs: 500,
  retryMaxMs: 30_000,
  dropLogIntervalMs: 10_000
}

export interface ReadingsWriterStats {
  /** points waiting (including a batch being written) */
  buffered: number
  /** points the store accepted */
  written: number
  /** points dropped because the buffer bound was hit */
  dropped: number
  /** points the store refused for good (bad rows, beyond retention; never retried) */
  rejected: number
  /** write attempts that failed */
  failedWrites: number
  /** whether the last write failed and a retry is pending */
  retrying: boolean
}

/**
 * The buffer: a FIFO of points whose head is dropped in O(1) per point. A plain array's
 * `splice(0, n)` moves every point behind the cut: once the bound was reached (the store slower
 * than the devices), each message moved 100,000 points, and at 10,000 devices that took more than
 * half of the gateway's CPU (issue 11, profile of `bench:alarms --devices 10000`).
 */
class PointQueue<P> {
  private items: Array<P | undefined> = []
  private head = 0

  get length (): number { return this.items.length - this.head }

  push (p: P): void { this.items.push(p) }

  /** Removes and returns the oldest `n` points (fewer when fewer wait). */
  take (n: number): P[] {
    const end = Math.min(this.items.length, this.head + n)
    const out = this.items.slice(this.head, end) as P[]
    this.drop(end - this.head)
    return out
  }

  /** Forgets the oldest `n` points. */
  drop (n: number): void {
    const end = Math.min(this.items.length, this.head + n)
    for (let i = this.head; i < end; i++) this.items[i] = undefined
    this.head = end
    // compacted only once the dead head is the larger part: amortised O(1) per point
    if (this.head === this.items.length) { this.items = []; this.head = 0 } else if (this.head > 4096 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0 }
  }

  /** Puts points back at the head, in order (a failed write). */
  unshift (points: P[]): void {
    this.items = points.concat(this.items.slice(this.head) as P[])
    this.head = 0
  }
}

/** Generic over the point: readings (the default) or track positions, same buffering and isolation. */
export class ReadingsWriter<P = ReadingPoint> {
  readonly opts: Required<ReadingsWriterOptions>
  private readonly buffer = new PointQueue<P>()
  private inflight: P[] = []
  private writing: Promise<void> | null = null
  private timer?: NodeJS.Timeout
  private failures = 0
  private lastDropLog = -Infinity
  private droppedSinceLog = 0
  private closed = false
  readonly stats: ReadingsWriterStats = { buffered: 0, written: 0, dropped: 0, rejected: 0, failedWrites: 0, retrying: false }

  constructor (readonly store: BatchStore<P>, private readonly log: Logger, opts: ReadingsWriterOptions = {}) {
    this.opts = { ...READINGS_WRITER_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) }
  }

  /** Appends points; never waits for the store. */
  enqueue (points: P[]): void {
    if (points.length === 0) return
    for (const p of points) this.buffer.push(p)
    this.enforceBound()
    this.updateBuffered()
    if (this.closed) return
    if (this.buffer.length >= this.opts.batchSize && !this.stats.retrying) this.kick(0)
    else this.kick(this.opts.flushIntervalMs)
  }

  /** Writes everything buffered now (tests and shutdown); resolves when the buffer is empty or a write failed. */
  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.buffer.length > 0 || this.writing) {
      if (this.writing) { await this.writing; continue }
      if (!await this.writeBatch()) return
    }
  }

  /** Stops the timers and makes one last attempt; what cannot be written is logged as lost. */
  async close (): Promise<void> {
    this.closed = true
    await this.flush()
    clearTimeout(this.timer)
    const left = this.buffer.length + this.inflight.length
    if (left > 0) this.log.error({ points: left }, 'readings store unreachable at shutdown: buffered readings lost')
  }

  private kick (delayMs: number): void {
    if (this.timer || this.writing) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.writeBatch().then((ok) => {
        if (this.closed) return
        if (!ok) this.kick(this.backoffMs())
        else if (this.buffer.length > 0) this.kick(this.buffer.length >= this.opts.batchSize ? 0 : this.opts.flushIntervalMs)
      })
    }, delayMs)
    this.timer.unref?.()
  }

  /**
   * One batch to the store; true when it was written. A batch the store refuses as a whole for
   * good (PermanentWriteError without a count: one bad row fails the statement) is split in
   * halves, and those again, until the refused rows stand alone: only they are dropped and
   * counted as rejected, every other row is written (#12).
   */
  private async writeBatch (): Promise<boolean> {
    if (this.buffer.length === 0) return true
    this.inflight = this.buffer.take(this.opts.batchSize)
    let ok = false
    this.writing = (async () => {
      // what is still to be written, in order: the batch, or the parts of it being isolated
      const parts: P[][] = [this.inflight]
      let refused = 0
      let reason: string | undefined
      try {
        while (parts.length > 0) {
          const part = parts[0]!
          try {
            // past a quarter of the bound (below where the gateway starts shedding), the batch stops waiting behind bookkeeping (a priority store's
            // lowest lane starved entirely while 10,000 devices kept the others busy: issue 11)
            await this.store.write(part, { behind: this.buffer.length * 4 > this.opts.maxBufferedPoints })
            this.stats.written += part.length
          } catch (err) {
            if (!(err instanceof PermanentWriteError)) throw err
            reason ??= err.message
            if (err.rejectedPoints === undefined && part.length > 1) {
              const mid = part.length >> 1
              parts.splice(0, 1, part.slice(0, mid), part.slice(mid))
              continue
            }
            // the store kept the rest and says how many it refused, or this is a bad row alone
            const n = Math.min(err.rejectedPoints ?? 1, part.length)
            refused += n
            this.stats.rejected += n
            this.stats.written += part.length - n
          }
          parts.shift()
        }
        if (refused > 0) this.log.error({ store: this.store.kind, err: reason, points: refused }, 'readings store refused points: rejected, not retried')
        if (this.stats.retrying) this.log.info({ store: this.store.kind, afterFailures: this.failures }, 'readings store reachable again')
        this.failures = 0
        this.stats.retrying = false
        ok = true
      } catch (err) {
        this.failures++
        this.stats.failedWrites++
        this.stats.retrying = true
        // What was not written goes back to the head of the buffer, in order; the bound still holds.
        this.inflight = []
        this.buffer.unshift(parts.flat())
        this.enforceBound()
        this.log.warn({ store: this.store.kind, err: (err as Error).message, buffered: this.buffer.length, retryInMs: this.backoffMs() }, 'readings write failed; will retry')
      } finally {
        this.inflight = []
        this.updateBuffered()
      }
    })()
    await this.writing
    this.writing = null
    return ok
  }

  private backoffMs (): number {
    return Math.min(this.opts.retryMaxMs, this.opts.retryMinMs * 2 ** Math.max(0, this.failures - 1))
  }

  private enforceBound (): void {
    const over = this.buffer.length + this.inflight.length - this.opts.maxBufferedPoints
    if (over <= 0) return
    this.buffer.drop(over)
    this.stats.dropped += over
    this.droppedSinceLog += over
    const now = Date.now()
    if (now - this.lastDropLog >= this.opts.dropLogIntervalMs) {
      this.log.error({ store: this.store.kind, dropped: this.droppedSinceLog, droppedTotal: this.stats.dropped, maxBufferedPoints: this.opts.maxBufferedPoints },
        'readings buffer full: oldest readings dropped')
      this.lastDropLog = now
      this.droppedSinceLog = 0
    }
  }

  private updateBuffered (): void {
    this.stats.buffered = this.buffer.length + this.inflight.length
  }
}
