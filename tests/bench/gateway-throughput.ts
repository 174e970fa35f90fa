/**
 * Gateway throughput: how many messages per second one device connection gets through the
 * whole ingest (guard → rate → ACL → decode → validate → record), for valid traffic and for
 * garbage, printed side by side. Runs the real embedded stack (aedes over TCP, PGlite).
 *
 * Then the durable alarm lane on its own [P-4.1]: many devices (raw MQTT over TCP) sending QoS 1
 * falls at once to a Gateway on a migrated database, alarms/s counted from the first PUBLISH to the
 * last PUBACK, each PUBACK after its group's commit — on PGlite, and on PostgreSQL 15 when its
 * binaries are installed. Here nothing but the gateway uses the database; in the embedded stack
 * rows above, the incident engine's transactions share PGlite's single connection with it.
 *
 *   node --import tsx tests/bench/gateway-throughput.ts [messagesPerScenario=20000] [alarmDevices=500] [alarmsPerDevice=20]
 *   (env BENCH_SCENARIOS=0,1 for some rows only; BENCH_NO_LANE=1 without the durable-alarm lane; the last column is the
 *   process's CPU time per message: gateway, platform, PGlite worker and this client together)
 *
 * The rate limits (telemetry and alarms) are lifted (except in the "rate-limited" row) so the figures show processing
 * cost, not the 20 msg/s allowance.
 */
import { connect as netConnect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'
import { deviceTopic } from '@eldercare/protocols'
import { hashDeviceSecret } from '@eldercare/common'
import { Gateway, type InboxWriterOptions, type Sql } from '@eldercare/gateway'
import { migrate, openDb } from '@eldercare/platform'
import { connectPacket } from '../support/devices.ts'
import { seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { needsPostgres, startPostgres } from '../support/postgres.ts'
import { RawDevice } from '../gateway/raw-device.ts'

const N = Number(process.argv[2] ?? 20_000)
const ALARM_DEVICES = Number(process.argv[3] ?? 500)
const ALARMS_PER_DEVICE = Number(process.argv[4] ?? 20)

/** The gateway's load bound lifted too (checkouts without it ignore the option): a shed message costs next to nothing and would flatter the figure. */
const NO_SHEDDING = { loadLimit: { maxInFlight: 1e9, maxReadingsBacklog: 1e9, maxLoopDelayMs: 1e9, maxReadWaitMs: 1e9 } } as Record<string, unknown>

interface Scenario { name: string, kind: 'telemetry' | 'events', qos: 0 | 1, body: (i: number) => Buffer, limited?: boolean }

const scenarios: Scenario[] = [
  { name: 'valid telemetry (QoS 0)', kind: 'telemetry', qos: 0, body: (i) => Buffer.from(JSON.stringify({ id: `t-${i}`, ts: Date.now(), vitals: { hr: 60 + (i % 40), spo2: 97 }, activity: { steps: i } })) },
  { name: 'telemetry batch of 50 (QoS 0)', kind: 'telemetry', qos: 0, body: (i) => Buffer.from(JSON.stringify({ id: `b-${i}`, samples: Array.from({ length: 50 }, (_, k) => ({ ts: Date.now() - k * 1000, vitals: { hr: 70 } })) })) },
  { name: 'garbage: invalid JSON', kind: 'telemetry', qos: 0, body: () => Buffer.from('{"id":"x","ts":') },
  { name: 'garbage: out of range', kind: 'telemetry', qos: 0, body: (i) => Buffer.from(JSON.stringify({ id: `o-${i}`, ts: Date.now(), vitals: { hr: 999 } })) },
  { name: 'garbage: 17 KiB (too_large)', kind: 'telemetry', qos: 0, body: () => Buffer.alloc(17 * 1024, 0x20) },
  { name: 'garbage, rate-limited (defaults)', kind: 'telemetry', qos: 0, body: () => Buffer.from('not json'), limited: true },
  { name: 'valid events (QoS 1, durable)', kind: 'events', qos: 1, body: (i) => Buffer.from(JSON.stringify({ id: `e-${i}-${Date.now()}`, ts: Date.now(), type: 'door_open' })) },
  // as bench:alarms' devices send it (QoS 1, so each message costs a PUBACK)
  { name: 'valid telemetry (QoS 1)', kind: 'telemetry', qos: 1, body: (i) => Buffer.from(JSON.stringify({ id: `q-${i}`, ts: Date.now(), vitals: { hr: 60 + (i % 40), spo2: 96 } })) }
]

async function login (p: TestPlatform, dev: { id: string, secret: string }): Promise<Socket> {
  const socket = netConnect(p.ports.mqtt, '127.0.0.1')
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  socket.write(connectPacket(dev, 60))
  await new Promise<void>((resolve) => socket.once('data', () => resolve()))
  socket.on('error', () => {})
  return socket
}

async function run (s: Scenario, count: number): Promise<{ perSecond: number, mbPerSecond: number, cpuUsPerMessage: number }> {
  const p = await startTestPlatform({}, s.limited ? {} : { gateway: { rateLimit: { ratePerSecond: 1e9, burst: 1e9 }, alarmRateLimit: { ratePerSecond: 1e9, burst: 1e9 }, ...NO_SHEDDING } })
  try {
    await p.api.login()
    const home = await seedHome(p.api, { deviceType: 'wearable' })
    const socket = await login(p, home.device)
    let seen = 0
    let shed = 0
    p.gateway.on('message', (m) => { seen++; if ((m.outcome as string) === 'shed') shed++ })
    const topic = deviceTopic(home.device.id, s.kind)
    const packets = Array.from({ length: count }, (_, i) => mqttPacket.generate({ cmd: 'publish', topic, payload: s.body(i), qos: s.qos, messageId: s.qos ? (i % 65000) + 1 : undefined, retain: false, dup: false }))
    const bytes = packets.reduce((n, b) => n + b.length, 0)
    const started = performance.now()
    const cpu0 = process.cpuUsage()
    for (let i = 0; i < packets.length; i += 500) {
      if (!socket.write(Buffer.concat(packets.slice(i, i + 500)))) await new Promise((r) => socket.once('drain', r))
    }
    while (seen < count) await new Promise((r) => setTimeout(r, 5))
    const seconds = (performance.now() - started) / 1000
    const cpu = process.cpuUsage(cpu0)
    if (shed > 0) throw new Error(`${shed} messages were shed: the figures would not be the cost of processing them`)
    socket.destroy()
    return { perSecond: count / seconds, mbPerSecond: bytes / seconds / 1e6, cpuUsPerMessage: (cpu.user + cpu.system) / count }
  } finally {
    await p.close()
  }
}

const rows: Array<[string, string, string, string, string]> = []
// BENCH_SCENARIOS=0,1 runs only those rows (by index); BENCH_NO_LANE=1 skips the durable-alarm lane below
const only = process.env.BENCH_SCENARIOS?.split(',').map(Number)
for (const [i, s] of scenarios.entries()) {
  if (only && !only.includes(i)) continue
  const count = s.kind === 'events' ? Math.min(N, 2000) : N
  const r = await run(s, count)
  rows.push([s.name, String(count), r.perSecond.toFixed(0), r.mbPerSecond.toFixed(1), r.cpuUsPerMessage.toFixed(1)])
}
// CPU of the whole process (gateway, platform, the PGlite worker thread, and this client's socket writes and PUBACK parsing) per message
const head: [string, string, string, string, string] = ['scenario (one connection)', 'messages', 'msg/s', 'MB/s', 'CPU µs/msg']
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))

/** [P-4.1] Durable alarms per second through a Gateway alone on `db` (already migrated), from many devices at once. */
async function durableAlarms (db: Sql & { close(): Promise<void> }, label: string, inboxWriter?: InboxWriterOptions): Promise<string[]> {
  await db.query(`insert into areas (id, name, level, path) values ('bench-a', 'bench', 'city', '/bench/')`)
  await db.query(`insert into sites (id, name, kind, area_id) values ('bench-s', 'bench', 'home', 'bench-a')`)
  const devs = Array.from({ length: ALARM_DEVICES }, (_, i) => ({ id: `bench-${i}`, secret: `bench-secret-${i}-0123456789abcdef` }))
  await db.query(`insert into devices (id, type, site_id, secret_hash) select x.id, 'fall_detector', 'bench-s', x.hash from jsonb_to_recordset($1::jsonb) as x(id text, hash text)`,
    [JSON.stringify(devs.map((d) => ({ id: d.id, hash: hashDeviceSecret(d.secret) })))])
  const gateway = new Gateway({ sql: db, readings: false, alarmRateLimit: { ratePerSecond: 1e9, burst: 1e9 }, inboxWriter })
  const { mqtt } = await gateway.listen({ host: '127.0.0.1', mqttPort: 0 })
  try {
    const devices: RawDevice[] = []
    for (let i = 0; i < devs.length; i += 100) devices.push(...(await Promise.all(devs.slice(i, i + 100).map((d) => RawDevice.connect(mqtt, d)))).map((c) => c.device))
    const total = ALARM_DEVICES * ALARMS_PER_DEVICE
    const started = performance.now()
    await Promise.all(devices.map(async (d) => {
      const mids = Array.from({ length: ALARMS_PER_DEVICE }, (_, k) => d.send(deviceTopic(d.id, 'events'), { id: `f-${k}`, ts: Date.now(), type: 'fall' }))
      await Promise.all(mids.map((mid) => d.puback(mid, 120_000)))
    }))
    const seconds = (performance.now() - started) / 1000
    const stored = Number((await db.query<{ n: string }>('select count(*) as n from inbox')).rows[0].n)
    if (stored !== total) throw new Error(`${label}: ${stored} rows for ${total} PUBACKed alarms`)
    for (const d of devices) d.end()
    return [`durable falls, ${ALARM_DEVICES} devices × ${ALARMS_PER_DEVICE}, gateway alone (${label})`, String(total), (total / seconds).toFixed(0), '—', '—']
  } finally {
    await gateway.close()
    await db.close()
  }
}

/** one row per alarm, as before the group commit (issue 11): the comparison row */
const ONE_BY_ONE: InboxWriterOptions = { maxRows: 1, maxInFlight: 10 }
const lane: string[][] = []
if (process.env.BENCH_NO_LANE) process.exit(0)
for (const [label, writer] of [['PGlite', undefined], ['PGlite, one row per insert', ONE_BY_ONE]] as const) {
  const db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  lane.push(await durableAlarms(db, label, writer))
}
if (needsPostgres().ok) {
  const server = await startPostgres()
  try {
    for (const [label, writer] of [['PostgreSQL', undefined], ['PostgreSQL, one row per insert', ONE_BY_ONE]] as const) {
      const db = await openDb({ databaseUrl: await server.createDatabase(writer ? 'bench_gateway_single' : 'bench_gateway') })
      await migrate(db)
      lane.push(await durableAlarms(db, label, writer))
    }
  } finally {
    await server.stop()
  }
}
const laneWidths = head.map((h, i) => Math.max(widths[i], ...lane.map((r) => r[i].length)))
console.log('')
for (const r of lane) console.log(r.map((c, i) => (i === 0 ? c.padEnd(laneWidths[i]) : c.padStart(laneWidths[i]))).join('  '))
