import { Duplex, PassThrough } from 'node:stream'
import fc from 'fast-check'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { GuardedConnection, PacketSizeGuard } from '../src/packet-guard.ts'

const publish = (bytes: number): Buffer => mqttPacket.generate({ cmd: 'publish', topic: 'care/v1/devices/d1/events', payload: Buffer.alloc(bytes), qos: 0, retain: false, dup: false })

/** Feeds `stream` to the guard in chunks at the given cut points; returns the first problem. */
function feed (guard: PacketSizeGuard, stream: Buffer, cuts: number[]): string | null {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
  let from = 0
  for (const to of [...points, stream.length]) {
    const problem = guard.inspect(stream.subarray(from, to))
    if (problem) return problem
    from = to
  }
  return null
}

describe('[P-2.1] packet-size guard', () => {
  it('lets packets up to the limit through, whole or split anywhere', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (sizes, cuts) => {
      const stream = Buffer.concat(sizes.map(publish))
      return feed(new PacketSizeGuard(4096), stream, cuts) === null
    }), { numRuns: 500 })
  })

  it('refuses a packet over the limit from its header alone, after valid ones, split anywhere', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 4097, max: 300_000 }), fc.array(fc.nat(), { maxLength: 8 }), (ok, big, cuts) => {
      const header = publish(big).subarray(0, 8) // the body is never needed
      return feed(new PacketSizeGuard(4096), Buffer.concat([publish(ok), header]), cuts) !== null
    }), { numRuns: 500 })
  })

  it('refuses a remaining length of more than four bytes', () => {
    expect(new PacketSizeGuard(Number.MAX_SAFE_INTEGER).inspect(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toMatch(/malformed/)
  })

  it('closes the connection before the oversized body is passed on', async () => {
    const socket = new PassThrough()
    let violation = ''
    const conn = new GuardedConnection(socket, 1024, (r) => { violation = r })
    const received: Buffer[] = []
    conn.on('data', (c: Buffer) => received.push(c))
    const closed = new Promise((resolve) => conn.once('close', resolve))
    socket.write(publish(100))
    socket.write(publish(10_000).subarray(0, 5))
    await closed
    expect(violation).toMatch(/exceeds the limit of 1024/)
    expect(Buffer.concat(received).length).toBe(publish(100).length)
    expect(socket.destroyed).toBe(true)
  })

  it('hands what aedes wrote while corked to the socket as one write (a PUBACK is one system call, not three)', async () => {
    const written: Buffer[] = []
    const socket = new Duplex({ read () {}, write (chunk: Buffer, _enc, cb) { written.push(chunk); cb() } })
    const conn = new GuardedConnection(socket, 1024, () => {})
    // as mqtt-packet writes a PUBACK: type, remaining length, message id, then uncork on the next tick
    conn.cork()
    conn.write(Buffer.from([0x40]))
    conn.write(Buffer.from([0x02]))
    conn.write(Buffer.from([0x00, 0x07]))
    await new Promise<void>((resolve) => process.nextTick(() => { conn.uncork(); resolve() }))
    await new Promise((resolve) => setImmediate(resolve))
    expect(written).toEqual([Buffer.from([0x40, 0x02, 0x00, 0x07])])
    conn.write(Buffer.from([0xd0, 0x00]))
    await new Promise((resolve) => setImmediate(resolve))
    expect(written).toHaveLength(2)
  })
})
