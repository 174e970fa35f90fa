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
 */
import { BufferList } from 'bl'

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
 * pending, and keeps the bytes in a plain BufferList (before any byte is parsed).
 */
export function releaseIdlePacket (parser: MqttPacketParser): void {
  if (Object.prototype.hasOwnProperty.call(parser, 'parse')) return
  if (parser._list.length === 0) parser._list = new BufferList()
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
