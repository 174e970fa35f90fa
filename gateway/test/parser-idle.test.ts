import { BufferList } from 'bl'
import fc from 'fast-check'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { ParserBytes, releaseIdlePacket, type MqttPacketParser } from '../src/parser-idle.ts'

type Parser = ReturnType<typeof mqttPacket.parser> & MqttPacketParser

const publish = (i: number, bytes = 20): Buffer => mqttPacket.generate({
  cmd: 'publish', topic: `care/v1/devices/d${i}/telemetry`, payload: Buffer.alloc(bytes, i % 256), qos: 1, messageId: i + 1, retain: false, dup: false
})

/** A parser as aedes makes one, with the release installed; collects what it emits. */
function parser (): { p: Parser, got: mqttPacket.Packet[] } {
  const p = mqttPacket.parser() as Parser
  releaseIdlePacket(p)
  const got: mqttPacket.Packet[] = []
  p.on('packet', (packet: mqttPacket.Packet) => got.push(packet))
  return { p, got }
}

/**
 * Feeds `stream`, cut at `cuts` (taken modulo its length), to a parser with the release installed
 * and to the library's own parser; both must emit the same `count` packets.
 */
function sameAsLibrary (stream: Buffer, cuts: number[], count: number): Parser {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
  const feed = (q: { parse(b: Buffer): number }): void => {
    let from = 0
    for (const to of [...points, stream.length]) { q.parse(stream.subarray(from, to)); from = to }
  }
  const { p, got } = parser()
  const plain = mqttPacket.parser()
  const want: mqttPacket.Packet[] = []
  plain.on('packet', (packet: mqttPacket.Packet) => want.push(packet))
  feed(p)
  feed(plain)
  expect(got).toEqual(want)
  expect(got).toHaveLength(count)
  return p
}

describe('releaseIdlePacket (issue 11: no packet object waits on an idle connection)', () => {
  it('holds no packet between whole messages, and parses the next one', () => {
    const { p, got } = parser()
    p.parse(publish(1))
    expect(got).toHaveLength(1)
    expect(p.packet).toBeNull()
    p.parse(publish(2))
    expect(got).toHaveLength(2)
    expect(p.packet).toBeNull()
    expect(got.map((g) => (g as mqttPacket.IPublishPacket).topic)).toEqual(['care/v1/devices/d1/telemetry', 'care/v1/devices/d2/telemetry'])
    expect((got[1] as mqttPacket.IPublishPacket).messageId).toBe(3)
    // each message its own object: nothing of one is reused for the next
    expect(got[0]).not.toBe(got[1])
  })

  it('keeps a half-read packet across chunks', () => {
    const { p, got } = parser()
    const bytes = publish(7, 300)
    p.parse(bytes.subarray(0, 1))
    expect(p.packet).not.toBeNull()
    p.parse(bytes.subarray(1, 5))
    expect(p.packet).not.toBeNull()
    expect(got).toHaveLength(0)
    p.parse(bytes.subarray(5))
    expect(got).toHaveLength(1)
    expect((got[0] as mqttPacket.IPublishPacket).payload).toEqual(Buffer.alloc(300, 7))
    expect(p.packet).toBeNull()
  })

  it('parses any stream of messages cut anywhere exactly as the library does', () => {
    fc.assert(fc.property(fc.array(fc.nat(600), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(100_000), { maxLength: 20 }), (sizes, cuts) => {
      const p = sameAsLibrary(Buffer.concat(sizes.map((n, i) => publish(i, n))), cuts, sizes.length)
      expect(p.packet).toBeNull()
    }), { numRuns: 200 })
  })

  it('parses a stream of every kind a device sends, cut anywhere, exactly as the library does', () => {
    const kinds: Array<(i: number) => Buffer> = [
      (i) => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `dev-${i}`, clean: false, keepalive: 60, username: `dev-${i}`, password: Buffer.from(`secret-${i}`), will: { topic: `care/v1/devices/dev-${i}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true } }),
      (i) => mqttPacket.generate({ cmd: 'subscribe', messageId: i + 1, subscriptions: [{ topic: `care/v1/devices/dev-${i}/commands`, qos: 1 }] }),
      (i) => mqttPacket.generate({ cmd: 'unsubscribe', messageId: i + 1, unsubscriptions: [`care/v1/devices/dev-${i}/commands`] }),
      (i) => mqttPacket.generate({ cmd: 'puback', messageId: i + 1 }),
      () => mqttPacket.generate({ cmd: 'pingreq' }),
      (i) => mqttPacket.generate({ cmd: 'publish', topic: `care/v1/devices/dev-${i}/events`, payload: Buffer.from(`{"id":"e${i}","type":"fall","ts":${1_700_000_000_000 + i},"note":"${'é'.repeat(i % 40)}"}`), qos: 1, messageId: i + 1, retain: false, dup: i % 2 === 1 }),
      (i) => mqttPacket.generate({ cmd: 'publish', topic: `care/v1/devices/dev-${i}/status`, payload: Buffer.alloc(i * 37 % 400, 'x'), qos: 0, retain: true, dup: false }),
      () => mqttPacket.generate({ cmd: 'disconnect' })
    ]
    fc.assert(fc.property(fc.array(fc.nat(10_000), { minLength: 1, maxLength: 16 }), fc.array(fc.nat(100_000), { maxLength: 30 }), (picks, cuts) => {
      sameAsLibrary(Buffer.concat(picks.map((n, i) => kinds[n % kinds.length]!(i))), cuts, picks.length)
    }), { numRuns: 300 })
  })

  it('ParserBytes reads what BufferList reads, wherever the buffers are cut', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.array(fc.nat(64), { maxLength: 6 }), fc.nat(8), (bytes, cuts, consumed) => {
      const data = Buffer.from(bytes)
      const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
      const ours = new ParserBytes()
      const theirs = new BufferList()
      let from = 0
      for (const to of [...points, data.length]) { ours.append(data.subarray(from, to)); theirs.append(data.subarray(from, to)); from = to }
      ours.consume(consumed)
      theirs.consume(consumed)
      const read = (l: { readUInt8(o: number): number, readUInt16BE(o: number): number, readUInt32BE(o: number): number, toString(e: BufferEncoding, s: number, t: number): string, slice(s: number, t: number): Buffer }, o: number) => {
        const attempt = (f: () => unknown): unknown => { try { return f() } catch (err) { return (err as Error).name } }
        return [attempt(() => l.readUInt8(o)), attempt(() => l.readUInt16BE(o)), attempt(() => l.readUInt32BE(o)), attempt(() => l.toString('hex', o, o + 3)), attempt(() => [...l.slice(o, o + 5)])]
      }
      for (let o = 0; o <= data.length; o++) expect(read(ours as never, o)).toEqual(read(theirs as never, o))
      expect(ours.length).toBe(theirs.length)
    }), { numRuns: 300 })
  })

  it('reads numbers and strings in its first buffer without slicing a view', () => {
    const views: number[] = []
    const slice = Buffer.prototype.slice
    const subarray = Buffer.prototype.subarray
    Buffer.prototype.slice = function (...a: Parameters<typeof slice>) { views.push(1); return slice.apply(this, a) }
    Buffer.prototype.subarray = function (...a: Parameters<typeof subarray>) { views.push(1); return subarray.apply(this, a) }
    try {
      const list = new ParserBytes()
      list.append(publish(5, 10))
      views.length = 0
      expect([list.readUInt8(0), list.readUInt16BE(2), list.readUInt32BE(2), list.toString('utf8', 4, 10)]).toEqual([0x32, 28, 0x001c6361, 'care/v'])
      expect(views).toHaveLength(0)
      // what BufferList itself does for the same read
      const plain = new BufferList()
      plain.append(publish(5, 10))
      views.length = 0
      plain.readUInt16BE(2)
      expect(views.length).toBeGreaterThan(0)
    } finally {
      Buffer.prototype.slice = slice
      Buffer.prototype.subarray = subarray
    }
  })

  it('recovers after a malformed packet as the library does', () => {
    const { p, got } = parser()
    const errors: Error[] = []
    p.on('error', (err: Error) => errors.push(err))
    // a PUBLISH with reserved QoS 3 is malformed
    p.parse(Buffer.from([0x36, 0x02, 0x00, 0x00]))
    expect(errors).toHaveLength(1)
    p.parse(publish(3))
    expect(got).toHaveLength(1)
    expect(p.packet).toBeNull()
  })

  it('keeps the bytes in a plain BufferList, not a stream per connection', () => {
    const plain = mqttPacket.parser() as Parser
    const isStream = (x: object): boolean => '_readableState' in x && typeof (x as { pipe?: unknown }).pipe === 'function'
    expect(isStream(plain._list)).toBe(true) // what mqtt-packet makes: bl(), a BufferListStream (readable-stream's Duplex)
    const { p, got } = parser()
    expect(p._list).toBeInstanceOf(ParserBytes)
    expect(p._list).toBeInstanceOf(BufferList)
    expect(isStream(p._list)).toBe(false)
    const bytes = publish(9, 50)
    p.parse(bytes.subarray(0, 10))
    expect(p._list.length).toBeGreaterThan(0)
    p.parse(bytes.subarray(10))
    expect(got).toHaveLength(1)
    expect(p._list.length).toBe(0)
  })

  it('leaves a list with bytes in it as it is', () => {
    const p = mqttPacket.parser() as Parser
    p._list.append(Buffer.from([0x30]))
    const before = p._list
    releaseIdlePacket(p)
    expect(p._list).toBe(before)
  })

  it('is installed once', () => {
    const { p } = parser()
    const first = p.parse
    releaseIdlePacket(p)
    expect(p.parse).toBe(first)
  })
})
