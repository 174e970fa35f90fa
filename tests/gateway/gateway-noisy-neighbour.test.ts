/**
 * [P-4.2][P-4.3] A noisy neighbour: one device floods garbage at full speed over a raw TCP
 * connection while another sends a fall. The fall's incident still appears, the flooder is
 * answered rate_limited (rarely) and, when it keeps at it, disconnected.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqttPacket from 'mqtt-packet'
import { deviceTopic, type DeviceErrorMessage, type IncidentDto } from '@eldercare/protocols'
import { connectDevice, connectPacket, publishPacket } from '../support/devices.ts'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
let quiet: SeededHome
let noisy: SeededHome

beforeAll(async () => {
  // the flood disconnect comes after 3 s instead of 60 s so the test need not wait a minute
  p = await startTestPlatform({}, { gateway: { rateLimit: { floodDisconnectMs: 3000 } } })
  await p.api.login()
  quiet = await seedHome(p.api)
  noisy = await seedHome(p.api, { deviceType: 'wearable' })
})
afterAll(async () => { await p?.close() })

/** Garbage of every sort a broken or hostile device sends, as MQTT PUBLISH packets on its own topics. */
function garbageBatch (deviceId: string, n: number, seed: number): Buffer {
  const bodies = [
    () => Buffer.from('{"id":'),
    () => Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
    () => Buffer.from(JSON.stringify({ id: `g-${seed}`, ts: Date.now(), vitals: { hr: 9999 } })),
    () => Buffer.from(JSON.stringify({ id: `g-${seed}`, ts: Date.now(), type: 'nonsense' })),
    () => Buffer.from('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'),
    () => Buffer.alloc(17_000, 0x20)
  ]
  const kinds = ['events', 'telemetry', 'intercom', 'status', 'commands/ack'] as const
  const packets: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const body = bodies[(seed + i) % bodies.length]()
    packets.push(publishPacket(deviceTopic(deviceId, kinds[(seed + i) % kinds.length]), body))
  }
  return Buffer.concat(packets)
}

/** Floods until stopped or disconnected, writing as fast as the socket drains. */
function flood (socket: Socket, deviceId: string): { stop(): void, sent(): number, closed: Promise<void> } {
  let stopped = false
  let sent = 0
  let seed = 0
  const pump = () => {
    while (!stopped && !socket.destroyed) {
      sent += 200
      if (!socket.write(garbageBatch(deviceId, 200, seed++))) return void socket.once('drain', pump)
    }
  }
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.on('error', () => {})
  setImmediate(pump)
  return { stop: () => { stopped = true }, sent: () => sent, closed }
}

describe('noisy neighbour', () => {
  it('[P-4.2][P-4.3] a fall gets through while another device floods garbage; the flooder is limited and then disconnected', async () => {
    // one session per device id, so the raw flooding connection reads its own errors topic
    const socket = netConnect(p.ports.mqtt, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    const parser = mqttPacket.parser()
    const errors: DeviceErrorMessage[] = []
    parser.on('packet', (pk) => { if (pk.cmd === 'publish') errors.push(JSON.parse(pk.payload.toString())) })
    socket.on('data', (d) => parser.parse(d))
    socket.write(connectPacket(noisy.device, 60))
    socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: deviceTopic(noisy.device.id, 'errors'), qos: 0 }] }))
    await eventually(async () => socket.bytesRead >= 9, 5000, 'CONNACK (4 bytes) and SUBACK (5 bytes)')
    const flooder = flood(socket, noisy.device.id)
    await eventually(async () => flooder.sent() > 2000, 10_000, 'flood under way')

    const fallDevice = await connectDevice(p.mqttUrl, quiet.device)
    await fallDevice.client.publishAsync(deviceTopic(quiet.device.id, 'events'), JSON.stringify({ id: 'nn-fall', ts: Date.now(), type: 'fall' }), { qos: 1 })
    const incident = await eventually(async () => {
      const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=open')
      return items.find((i) => i.deviceId === quiet.device.id && i.type === 'fall')
    }, 15_000, 'the fall incident during the flood')
    expect(incident).toMatchObject({ type: 'fall', priority: 'P1' })

    // the flood goes on until the gateway disconnects the flooder [P-4.3]
    await flooder.closed
    flooder.stop()
    const limited = errors.filter((e) => e.code === 'rate_limited')
    expect(limited.length).toBeGreaterThan(0)
    // answers are themselves limited: about one per second over a few seconds, not one per message
    expect(limited.length).toBeLessThan(30)
    expect(flooder.sent()).toBeGreaterThan(limited.length * 100)
    const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/eldercare_gateway_flood_disconnects_total [1-9]/)
    expect(metrics).toMatch(/code="rate_limited"\} [1-9]/)
    // the quiet device was never limited and still works
    expect(fallDevice.errors).toEqual([])
    await fallDevice.client.publishAsync(deviceTopic(quiet.device.id, 'events'), JSON.stringify({ id: 'nn-after', ts: Date.now(), type: 'sos' }), { qos: 1 })
    expect((await p.db.query('select 1 from inbox where device_id = $1 and msg_id = $2', [quiet.device.id, 'nn-after'])).rows).toHaveLength(1)
    await fallDevice.end()
  })
})
