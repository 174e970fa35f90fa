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

/** Walks MQTT fixed headers across chunk boundaries. */
export class PacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type'
  private length = 0
  private multiplier = 1
  private lengthBytes = 0
  private bodyLeft = 0

  /** @param maxPacketBytes largest whole packet (fixed header + remaining length), in bytes */
  constructor (readonly maxPacketBytes: number) {}

  /** Returns null while the stream keeps the limit, else why it does not. */
  inspect (chunk: Uint8Array): string | null {
    let i = 0
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
    }
    return null
  }
}

/**
 * A duplex that passes a connection's bytes to aedes through a PacketSizeGuard and its
 * writes straight back; on a violation it destroys the connection and calls `onViolation`.
 */
export class GuardedConnection extends Duplex {
  private readonly guard: PacketSizeGuard

  constructor (private readonly inner: Duplex, maxPacketBytes: number, onViolation: (reason: string) => void) {
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
      // back-pressure: stop reading the socket while aedes is behind
      if (!this.push(chunk)) inner.pause()
    })
    inner.once('end', () => this.push(null))
    inner.once('error', (err) => this.destroy(err))
    inner.once('close', () => this.destroy())
  }

  override _read (): void { this.inner.resume() }

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
