import { BufferList } from 'bl'
import fc from 'fast-check'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { releaseIdlePacket, type MqttPacketParser } from '../src/parser-idle.ts'

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
      const stream = Buffer.concat(sizes.map((n, i) => publish(i, n)))
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
      expect(got).toHaveLength(sizes.length)
      expect(p.packet).toBeNull()
    }), { numRuns: 200 })
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
