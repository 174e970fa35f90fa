/**
 * A connection's MQTT parser holds no packet object between packets (issue 11, memory and stalls).
 *
 * mqtt-packet's parser makes the object for the NEXT packet as soon as it has emitted one, and
 * hangs it on the connection until the device speaks again — a second later for a wearable, long
 * after two young-generation collections, so V8 moves every such object to the old generation.
 * Worse, the next message's topic and payload are then hung on that old object, and a scavenge
 * treats what an old object points to as live: they are promoted with it. At 20,000 msg/s that was
 * over a third of what the main thread promoted (a sampling profile of the objects that outlived
 * the young generation: the parser's packet, its payload copy and its topic, ~6 of ~16 MiB/s;
 * with acl.ts's own-id change, 13.9 → 9.2 MiB/s by --trace-gc-nvp), and the old generation filled
 * in ~13 s, each full collection a pause of the process.
 *
 * Here the idle packet is let go once a chunk is parsed to its end, and a new one is made when
 * the next bytes arrive: the object then lives only as long as its message is being read.
 *
 * The parser's byte list is also made a plain `BufferList`. mqtt-packet makes it with `bl()`, a
 * BufferListStream: a whole readable-stream Duplex (its two states, event tables and buffers) per
 * connection, of which the parser uses only the list's methods (append, consume, read*, slice,
 * length — BufferListStream copies them from BufferList.prototype). ~0.9 KB of heap a connection
 * (987 against 87 B, 100,000 of each after a full GC), 9 MiB at 10,000 devices, and ~3 µs less to
 * connect a device. After a malformed packet the parser makes a new `bl()` (its `_resetState`);
 * aedes closes that connection.
 *
 * That list reads without allocating (`ParserBytes`). BufferList reads a number by slicing a new
 * Buffer view and reading it (`readUInt8(i)` is `slice(i, i + 1).readUInt8(0)`, with an offset
 * array beside it): a PUBLISH's header, length, topic length and message id were four views and
 * four arrays, and `bl`'s copy was 7.6 % of what the main thread allocated at 5,000 msg/s (a
 * sampling profile of every allocation). When the bytes lie in the list's first buffer — a whole
 * message per chunk, the usual case — ParserBytes reads them there; otherwise it does as
 * BufferList does.
 */
import { BufferList } from 'bl'

/** What the parser uses of a BufferList (bl's typings declare the reads as properties, not methods). */
interface Bytes {
  _bufs: Buffer[]
  length: number
  append(buf: Buffer): unknown
  consume(bytes: number): unknown
  readUInt8(offset?: number): number
  readUInt16BE(offset?: number): number
  readUInt32BE(offset?: number): number
  toString(encoding?: BufferEncoding, start?: number, end?: number): string
  slice(start?: number, end?: number): Buffer
}

/** A BufferList whose reads of numbers and strings in its first buffer allocate nothing (or only the string). */
export class ParserBytes extends (BufferList as unknown as new () => Bytes) {

  /** The first buffer when bytes [start, end) lie in it, else null. */
  private within (start: number, end: number): Buffer | null {
    const first = this._bufs[0]
    return first !== undefined && start >= 0 && end <= first.length && Number.isInteger(start) ? first : null
  }

  override readUInt8 (offset = 0): number {
    const b = this.within(offset, offset + 1)
    return b ? b[offset]! : super.readUInt8(offset)
  }

  override readUInt16BE (offset = 0): number {
    const b = this.within(offset, offset + 2)
    return b ? b.readUInt16BE(offset) : super.readUInt16BE(offset)
  }

  override readUInt32BE (offset = 0): number {
    const b = this.within(offset, offset + 4)
    return b ? b.readUInt32BE(offset) : super.readUInt32BE(offset)
  }

  override toString (encoding?: BufferEncoding, start?: number, end?: number): string {
    if (start !== undefined && end !== undefined && end >= start) {
      const b = this.within(start, end)
      if (b) return b.toString(encoding, start, end)
    }
    return super.toString(encoding, start, end)
  }

  override slice (start?: number, end?: number): Buffer {
    if (start !== undefined && end !== undefined && end >= start) {
      const b = this.within(start, end)
      // a view, as BufferList's own slice gives within one buffer
      if (b) return b.subarray(start, end)
    }
    return super.slice(start, end)
  }
}

/** What is touched of mqtt-packet's Parser (mqtt-packet 9). */
export interface MqttPacketParser {
  packet: { length: number } | null
  _list: { length: number, append(buf: Buffer): unknown }
  error: Error | null
  _stateCounter: number
  parse(buf: Buffer): number
}

/**
 * Parses as before, but drops the fresh packet object a parse leaves behind when nothing is
 * pending, and keeps the bytes in a ParserBytes list (before any byte is parsed).
 */
export function releaseIdlePacket (parser: MqttPacketParser): void {
  if (Object.prototype.hasOwnProperty.call(parser, 'parse')) return
  if (parser._list.length === 0) parser._list = new ParserBytes()
  const Packet = (parser.packet as object).constructor as new () => { length: number }
  const parse = Object.getPrototypeOf(parser).parse as (this: MqttPacketParser, buf: Buffer) => number
  parser.parse = function parseReleasingIdle (this: MqttPacketParser, buf: Buffer): number {
    if (this.packet === null) this.packet = new Packet()
    const left = parse.call(this, buf)
    // state 0 with nothing buffered: the packet is the fresh one _newPacket made, nothing read into it
    if (left === 0 && this._stateCounter === 0 && this.error === null && this.packet !== null && this.packet.length === -1) this.packet = null
    return left
  }
}
