/**
 * Gateway throughput: how many messages per second one device connection gets through the
 * whole ingest (guard → rate → ACL → decode → validate → record), for valid traffic and for
 * garbage, printed side by side. Runs the real embedded stack (aedes over TCP, PGlite).
 *
 *   node --import tsx tests/bench/gateway-throughput.ts [messagesPerScenario=20000]
 *
 * The rate limits (telemetry and alarms) are lifted (except in the "rate-limited" row) so the figures show processing
 * cost, not the 20 msg/s allowance.
 */
import { connect as netConnect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'
import { deviceTopic } from '@eldercare/protocols'
import { connectPacket } from '../support/devices.ts'
import { seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'

const N = Number(process.argv[2] ?? 20_000)

interface Scenario { name: string, kind: 'telemetry' | 'events', qos: 0 | 1, body: (i: number) => Buffer, limited?: boolean }

const scenarios: Scenario[] = [
  { name: 'valid telemetry (QoS 0)', kind: 'telemetry', qos: 0, body: (i) => Buffer.from(JSON.stringify({ id: `t-${i}`, ts: Date.now(), vitals: { hr: 60 + (i % 40), spo2: 97 }, activity: { steps: i } })) },
  { name: 'telemetry batch of 50 (QoS 0)', kind: 'telemetry', qos: 0, body: (i) => Buffer.from(JSON.stringify({ id: `b-${i}`, samples: Array.from({ length: 50 }, (_, k) => ({ ts: Date.now() - k * 1000, vitals: { hr: 70 } })) })) },
  { name: 'garbage: invalid JSON', kind: 'telemetry', qos: 0, body: () => Buffer.from('{"id":"x","ts":') },
  { name: 'garbage: out of range', kind: 'telemetry', qos: 0, body: (i) => Buffer.from(JSON.stringify({ id: `o-${i}`, ts: Date.now(), vitals: { hr: 999 } })) },
  { name: 'garbage: 17 KiB (too_large)', kind: 'telemetry', qos: 0, body: () => Buffer.alloc(17 * 1024, 0x20) },
  { name: 'garbage, rate-limited (defaults)', kind: 'telemetry', qos: 0, body: () => Buffer.from('not json'), limited: true },
  { name: 'valid events (QoS 1, durable)', kind: 'events', qos: 1, body: (i) => Buffer.from(JSON.stringify({ id: `e-${i}-${Date.now()}`, ts: Date.now(), type: 'door_open' })) }
]

async function login (p: TestPlatform, dev: { id: string, secret: string }): Promise<Socket> {
  const socket = netConnect(p.ports.mqtt, '127.0.0.1')
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  socket.write(connectPacket(dev, 60))
  await new Promise<void>((resolve) => socket.once('data', () => resolve()))
  socket.on('error', () => {})
  return socket
}

async function run (s: Scenario, count: number): Promise<{ perSecond: number, mbPerSecond: number }> {
  const p = await startTestPlatform({}, s.limited ? {} : { gateway: { rateLimit: { ratePerSecond: 1e9, burst: 1e9 }, alarmRateLimit: { ratePerSecond: 1e9, burst: 1e9 } } })
  try {
    await p.api.login()
    const home = await seedHome(p.api, { deviceType: 'wearable' })
    const socket = await login(p, home.device)
    let seen = 0
    p.gateway.on('message', () => { seen++ })
    const topic = deviceTopic(home.device.id, s.kind)
    const packets = Array.from({ length: count }, (_, i) => mqttPacket.generate({ cmd: 'publish', topic, payload: s.body(i), qos: s.qos, messageId: s.qos ? (i % 65000) + 1 : undefined, retain: false, dup: false }))
    const bytes = packets.reduce((n, b) => n + b.length, 0)
    const started = performance.now()
    for (let i = 0; i < packets.length; i += 500) {
      if (!socket.write(Buffer.concat(packets.slice(i, i + 500)))) await new Promise((r) => socket.once('drain', r))
    }
    while (seen < count) await new Promise((r) => setTimeout(r, 5))
    const seconds = (performance.now() - started) / 1000
    socket.destroy()
    return { perSecond: count / seconds, mbPerSecond: bytes / seconds / 1e6 }
  } finally {
    await p.close()
  }
}

const rows: Array<[string, string, string, string]> = []
for (const s of scenarios) {
  const count = s.kind === 'events' ? Math.min(N, 2000) : N
  const r = await run(s, count)
  rows.push([s.name, String(count), r.perSecond.toFixed(0), r.mbPerSecond.toFixed(1)])
}
const head: [string, string, string, string] = ['scenario (one connection)', 'messages', 'msg/s', 'MB/s']
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
