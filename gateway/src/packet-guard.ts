/**
 * [P-2.1] The broker packet limit, enforced on the byte stream in front of aedes.
 *
 * aedes hands every byte to mqtt-packet's parser, which has no size limit and buffers a
 * packet until its last byte arrives: a device announcing a 200 MB PUBLISH would make the
 * gateway hold 200 MB. The guard reads only each packet's fixed header (type byte and the
 * remaining-length varint), skips the body without copying it, and destroys the connection
 * as soon as a header announces more than the limit — before the body is read.
 */
import { Duplex } from 'node:stream'
import { ALARM_KINDS } from '@eldercare/protocols'
import type { ReadScheduler, ScheduledConnection } from './read-scheduler.ts'

/** `/events`, `/intercom`, `/commands/ack`: how an alarm-lane topic ends, as bytes. */
const ALARM_TOPIC_ENDS = [...ALARM_KINDS].map((kind) => Buffer.from(`/${kind}`))

/** Whether the PUBLISH body starting at `at` names an alarm-lane topic; true when its topic is not wholly in the chunk (cannot tell: first is safer). */
function alarmTopicAt (chunk: Uint8Array, at: number): boolean {
  if (at + 2 > chunk.length) return true
  const end = at + 2 + ((chunk[at]! << 8) | chunk[at + 1]!)
  if (end > chunk.length) return true
  for (const tail of ALARM_TOPIC_ENDS) {
    if (end - tail.length < at + 2) continue
    let i = 0
    while (i < tail.length && chunk[end - tail.length + i] === tail[i]) i++
    if (i === tail.length) return true
  }
  return false
}

/** Walks MQTT fixed headers across chunk boundaries. */
export class PacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type'
  private type = 0
  private length = 0
  private multiplier = 1
  private lengthBytes = 0
  private bodyLeft = 0
  /** Set by inspect(): whether the chunk starts an alarm-lane PUBLISH (`events`, `intercom`, `commands/ack`). */
  alarm = false

  /** @param maxPacketBytes largest whole packet (fixed header + remaining length), in bytes */
  constructor (readonly maxPacketBytes: number) {}

  /** Returns null while the stream keeps the limit, else why it does not. */
  inspect (chunk: Uint8Array): string | null {
    let i = 0
    this.alarm = false
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.bodyLeft, chunk.length - i)
        i += n
        this.bodyLeft -= n
        if (this.bodyLeft === 0) this.state = 'type'
        continue
      }
      const b = chunk[i++]
      if (this.state === 'type') {
        this.type = b! >> 4
        this.state = 'length'
        this.length = 0
        this.multiplier = 1
        this.lengthBytes = 0
        continue
      }
      this.length += (b & 0x7f) * this.multiplier
      this.multiplier *= 128
      this.lengthBytes++
      const packetBytes = 1 + this.lengthBytes + this.length
      if (packetBytes > this.maxPacketBytes) return `packet of at least ${packetBytes} bytes exceeds the limit of ${this.maxPacketBytes} bytes`
      if (b & 0x80) {
        // MQTT 3.1.1 §2.2.3: at most four length bytes
        if (this.lengthBytes === 4) return 'malformed remaining length (more than four bytes)'
        continue
      }
      this.bodyLeft = this.length
      this.state = this.length > 0 ? 'body' : 'type'
      // a PUBLISH (type 3) begins here: its topic says whether it is an alarm
      if (this.type === 3 && !this.alarm) this.alarm = alarmTopicAt(chunk, i)
    }
    return null
  }
}

/**
 * A duplex that passes a connection's bytes to aedes through a PacketSizeGuard and its
 * writes straight back; on a violation it destroys the connection and calls `onViolation`.
 */
export class GuardedConnection extends Duplex implements ScheduledConnection {
  private readonly guard: PacketSizeGuard
  scheduled: 0 | 1 | 2 = 0
  queuedAt = 0
  /** bytes read and not yet handed to aedes (with a scheduler): the first chunk, and any after it (rare: one message a second is one chunk) */
  private queued: Buffer | null = null
  private queuedMore: Buffer[] | null = null
  /** paused because aedes is behind (its buffer full), or because the scheduler's queue is */
  private pausedForReader = false
  private pausedForQueue = false

  /** @param scheduler when given, bytes reach aedes in the scheduler's slices (read-scheduler.ts); else as they are read */
  constructor (private readonly inner: Duplex, maxPacketBytes: number, onViolation: (reason: string) => void, private readonly scheduler?: ReadScheduler) {
    super({ allowHalfOpen: false })
    this.guard = new PacketSizeGuard(maxPacketBytes)
    inner.on('data', (chunk: Buffer) => {
      const problem = this.guard.inspect(chunk)
      if (problem) {
        onViolation(problem)
        inner.destroy()
        this.destroy()
        return
      }
      if (!scheduler) { this.hand(chunk); return }
      if (this.queued === null) this.queued = chunk
      else (this.queuedMore ??= []).push(chunk)
      scheduler.queuedBytes += chunk.length
      scheduler.offer(this, this.guard.alarm)
      if (scheduler.full && !this.pausedForQueue) { this.pausedForQueue = true; scheduler.stats.paused++; inner.pause() }
    })
    // What was read before the end is handed over first. With a scheduler the end itself waits
    // for the connection's turn like its bytes: aedes' work for a closed connection (its will,
    // the device going offline, consoles told) is a third of a millisecond, and a district's
    // network cut closes thousands at once — handed over all in one turn, they held the process
    // for 0.3–0.6 s and the falls of the devices still connected waited behind them (issue 11).
    inner.once('end', () => { this.ending.end = true; this.ended() })
    inner.once('error', (err) => { this.ending.error = err; this.ended() })
    inner.once('close', () => { this.ending.close = true; this.ended() })
  }

  /** how the socket ended, not yet handed to aedes */
  private readonly ending: { end: boolean, error: Error | null, close: boolean } = { end: false, error: null, close: false }

  private ended (): void {
    if (this.scheduler) this.scheduler.offer(this, false)
    else this.deliver()
  }

  /** Hands aedes the socket's end, error or close, after its bytes. */
  private handEnding (): void {
    const e = this.ending
    if (e.end) { e.end = false; this.push(null) }
    if (e.error) { const err = e.error; e.error = null; e.close = false; this.destroy(err) }
    if (e.close) { e.close = false; this.destroy() }
  }

  /** Hands the queued chunks to aedes, in order (the scheduler's turn for this connection). */
  deliver (): void {
    const first = this.queued
    if (first === null) { this.scheduled = 0; this.handEnding(); return }
    const more = this.queuedMore
    this.queued = null
    this.queuedMore = null
    this.scheduled = 0
    let bytes = first.length
    this.hand(first)
    if (more) for (const chunk of more) { bytes += chunk.length; this.hand(chunk) }
    if (this.scheduler) this.scheduler.queuedBytes -= bytes
    if (this.pausedForQueue) {
      this.pausedForQueue = false
      if (!this.pausedForReader) this.inner.resume()
    }
    this.handEnding()
  }

  private hand (chunk: Buffer): void {
    if (this.destroyed) return
    // back-pressure: stop reading the socket while aedes is behind
    if (!this.push(chunk)) { this.pausedForReader = true; this.inner.pause() }
  }

  override _read (): void {
    this.pausedForReader = false
    if (!this.pausedForQueue) this.inner.resume()
  }

  override _write (chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.destroyed) return cb()
    this.inner.write(chunk, encoding, cb)
  }

  /**
   * What aedes wrote while the stream was corked, as one write: mqtt-packet writes a packet in
   * pieces (a PUBACK is three: type, length, id) between cork() and uncork(), and without this each
   * piece became a write system call of its own — at 10,000 QoS 1 messages a second, a fifth of
   * the gateway's CPU (issue 11).
   */
  override _writev (chunks: Array<{ chunk: Buffer, encoding: BufferEncoding }>, cb: (err?: Error | null) => void): void {
    if (this.inner.destroyed) return cb()
    this.inner.write(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb)
  }

  override _final (cb: (err?: Error | null) => void): void { this.inner.end(cb) }

  override _destroy (err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner.destroy()
    cb(err)
  }
}
