/**
 * Losing a node loses nothing (issue 14): the scaled topology as separate processes — two
 * standalone gateways, two platform nodes, real PostgreSQL, Redis and InfluxDB, Debian's HAProxy
 * in front (tests/support/scaled-stack.ts) — and one part taken away at a time while devices send QoS 1
 * falls through HAProxy and operators watch through it:
 *
 * - a gateway killed with SIGKILL: devices reconnect to the other and resend [P-4.1][P-2.4];
 * - a platform node killed with SIGKILL: the other opens incidents, runs SLA clocks and sends the
 *   family's notifications; consoles reconnect and resync;
 * - Redis away for 10 s: PostgreSQL is the durable path, so alarms are recorded and opened; the
 *   cluster heals when Redis returns and nothing is told twice;
 * - PostgreSQL restarted: gateways withhold PUBACKs while it is away, devices resend, all recover.
 *
 * HAProxy runs deploy/haproxy.cfg itself (tests/support/haproxy.ts), so the gateways read its PROXY
 * protocol line; each node keeps the ports it was first given, so one killed comes back where
 * HAProxy expects it.
 *
 * The scenarios run in order on one cluster (starting it costs more than any one of them); each
 * brings back what it took away and checks the cluster is whole before the next.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { io, type Socket } from 'socket.io-client'
import type { ClientToServerEvents, IncidentDto, ServerToClientEvents } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import type { DeviceEvent } from '@eldercare/protocols'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres, type PostgresServer } from '../support/postgres.ts'
import { needsRedis, type RedisServer } from '../support/redis.ts'
import { needsInflux } from '../support/influx.ts'
import { needsHaproxy } from '../support/haproxy.ts'
import { startScaledStack, type ScaledNode, type ScaledStack } from '../support/scaled-stack.ts'
import { ADMIN, Api, eventually, seedHome, type SeededHome } from '../support/platform.ts'

const req = needsAll('scaled mode as processes (PostgreSQL + Redis + InfluxDB + HAProxy)', [needsPostgres(), needsRedis(), needsInflux(), needsHaproxy()])
const WEBHOOK_SECRET = 'scaled-test-webhook-secret'
const FAMILY = [{ name: '王小明', phone: '13900001111', relation: '儿子', notify: true }]
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** An operator's console: socket.io through HAProxy, reconnecting, and resyncing the open list on every (re)connect like the dashboard. */
class Console {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>
  /** incident id → how many times `incident:opened` told it */
  readonly opened = new Map<string, number>()
  /** ids learnt by resync after a reconnect */
  readonly resynced = new Set<string>()
  connects = 0
  disconnects = 0
  constructor (private readonly api: Api) {
    this.socket = io(api.baseUrl, { auth: { token: api.token }, transports: ['websocket'], reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 1000 })
    this.socket.on('incident:opened', (i) => this.opened.set(i.id, (this.opened.get(i.id) ?? 0) + 1))
    this.socket.on('disconnect', () => { this.disconnects++ })
    this.socket.on('connect', () => {
      this.connects++
      if (this.connects > 1) void this.resync()
    })
  }

  /** Like the dashboard after a reconnect: fetch the active list again, trying until a node answers. */
  async resync (): Promise<void> {
    const { items } = await eventually(async () => {
      try { return await this.api.get<{ items: IncidentDto[] }>('/api/incidents?status=active&limit=5000') } catch { return null }
    }, 20_000, 'the active list after a reconnect')
    for (const i of items) this.resynced.add(i.id)
  }

  knows (id: string): boolean { return this.opened.has(id) || this.resynced.has(id) }
  connected (): Promise<void> { return this.socket.connected ? Promise.resolve() : new Promise((resolve) => this.socket.once('connect', () => resolve())) }
  close (): void { this.socket.close() }
}

describe.skipIf(!req.ok)('losing a node loses nothing (issue 14): two gateways, two platform nodes, HAProxy, real engines', () => {
  let stack: ScaledStack
  let postgres: PostgresServer
  let redis: RedisServer
  let httpUrl: string
  let mqttUrl: string
  let gateways: ScaledNode[]
  let platforms: ScaledNode[]
  let pool: pg.Pool
  let api: Api
  let webhook: Server
  const delivered: Array<{ kind: string, incidentId: string, idempotencyKey?: string }> = []
  const devices: SimDevice[] = []

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      let body = ''
      request.on('data', (c) => { body += c })
      request.on('end', () => {
        const n = JSON.parse(body) as { kind: string, incidentId: string, idempotencyKey?: string }
        delivered.push({ kind: n.kind, incidentId: n.incidentId, idempotencyKey: n.idempotencyKey })
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve))
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as { port: number }).port}/notify`
    // Redis keeps its data across a stop, as in docker-compose.yml (appendonly): sessions and in-flight QoS 1 live there
    stack = await startScaledStack({ gateways: 2, platforms: 2, admin: ADMIN, persistentRedis: true, platformEnv: { NOTIFY_WEBHOOK_URL: webhookUrl, NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET } })
    ;({ postgres, redis, gateways, platforms, httpUrl } = stack)
    mqttUrl = `mqtt://127.0.0.1:${stack.mqttPort}`
    api = new Api(httpUrl)
    await api.login()
    pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 })
    pool.on('error', () => {}) // the PostgreSQL scenario cuts these connections on purpose
  }, 180_000)

  afterAll(async () => {
    await Promise.all(devices.map((d) => withTimeout(d.close(), 3000, 'device closed').catch(() => {})))
    await stack?.stop()
    await pool?.end()
    await new Promise((resolve) => webhook?.close(resolve))
  }, 60_000)

  /** The distinct family messages of an incident's opening (their idempotency keys). */
  function messagesFor (incidentId: string): string[] {
    return [...new Set(delivered.filter((d) => d.kind === 'incident_opened' && d.incidentId === incidentId).map((d) => d.idempotencyKey ?? '(no key)'))]
  }

  /** Every node up and healthy, and HAProxy routing to the platform: each scenario starts from a whole cluster. */
  async function expectWhole (): Promise<void> {
    // a node that ended says why: its last output (a crash's stack) goes with the failure
    for (const n of [...gateways, ...platforms]) expect(n.running, `${n.name} running; its last output:\n${n.logTail(40)}`).toBe(true)
    await eventually(async () => (await fetch(`${httpUrl}/api/health`)).status === 200, 15_000, 'health 200 through HAProxy')
  }

  /** `n` homes, each a resident with a family contact and one fall detector connected through HAProxy. */
  async function homesWithDevices (n: number): Promise<Array<{ home: SeededHome, device: SimDevice }>> {
    await expectWhole()
    const out = []
    for (let i = 0; i < n; i++) {
      const home = await seedHome(api, { contacts: FAMILY })
      const device = new SimDevice({ url: mqttUrl, credentials: { ...home.device, type: 'fall_detector' }, reconnectPeriodMs: 300 })
      await device.connect()
      devices.push(device)
      out.push({ home, device })
    }
    return out
  }

  async function incidentsOf (deviceIds: string[]): Promise<Map<string, string[]>> {
    const { rows } = await pool.query<{ device_id: string, id: string }>('select device_id, id from incidents where device_id = any($1)', [deviceIds])
    const by = new Map<string, string[]>(deviceIds.map((d) => [d, []]))
    for (const r of rows) by.get(r.device_id)!.push(r.id)
    return by
  }

  /** Every fall PUBACKed, recorded once in the inbox, and one incident per device. */
  async function expectOneIncidentEach (sent: Array<{ home: SeededHome, fall: DeviceEvent }>): Promise<string[]> {
    const ids = sent.map((s) => s.home.device.id)
    const { rows } = await pool.query<{ device_id: string, msg_id: string }>('select device_id, msg_id from inbox where device_id = any($1)', [ids])
    expect(rows.map((r) => `${r.device_id}/${r.msg_id}`).sort()).toEqual(sent.map((s) => `${s.home.device.id}/${s.fall.id}`).sort())
    const by = await eventually(async () => {
      const m = await incidentsOf(ids)
      return [...m.values()].every((v) => v.length >= 1) ? m : null
    }, 20_000, 'an incident for every fall')
    for (const [device, incidents] of by) expect(incidents, `incidents of ${device}`).toHaveLength(1)
    return [...by.values()].map((v) => v[0]!)
  }

  /** Sends one fall from each device, `gapMs` apart, calling `midway` after half of them; resolves when all are PUBACKed. */
  async function fallsAround (homes: Array<{ home: SeededHome, device: SimDevice }>, gapMs: number, midway: () => Promise<void>) {
    const pending: Array<Promise<{ home: SeededHome, fall: DeviceEvent }>> = []
    for (const [i, h] of homes.entries()) {
      if (i === Math.floor(homes.length / 2)) await midway()
      pending.push(h.device.event('fall').then((fall) => ({ home: h.home, fall })))
      await sleep(gapMs)
    }
    return await withTimeout(Promise.all(pending), 45_000, 'every fall PUBACKed')
  }

  it('kill -9 of one gateway while devices send QoS 1 falls: devices reconnect through HAProxy to the other, resend, one incident per fall [P-4.1][P-2.4]', async () => {
    const homes = await homesWithDevices(12)
    const disconnected = new Set<string>()
    for (const h of homes) clientOf(h.device).on('close', () => disconnected.add(h.home.device.id))

    const sent = await fallsAround(homes, 40, () => gateways[0].crash())
    // leastconn spread the devices: some were on the killed gateway and had to move
    expect(disconnected.size).toBeGreaterThan(0)
    expect(disconnected.size).toBeLessThan(homes.length)
    await expectOneIncidentEach(sent)

    await gateways[0].start()
  })

  it('kill -9 of one platform node: the other opens the incidents, runs the SLA clocks and notifies the family; consoles reconnect and resync, missing none', async () => {
    // short SLA clocks so a deadline falls due while the node is down
    const current = await api.get<Record<string, any>>('/api/policies/response')
    const step = [{ afterMs: 3000, action: 'realert_area', until: 'acknowledged' }]
    await api.request('PUT', '/api/policies/response', {
      priority: current.priority,
      sla: { ...current.sla, ackDeadlineMs: { P1: 2000, P2: 2000, P3: 2000, P4: 2000 }, escalation: { P1: step, P2: step, P3: step, P4: step } }
    })
    const homes = await homesWithDevices(8)
    // two consoles through HAProxy's round robin: one on each node
    const consoles = [new Console(api), new Console(api)]
    await Promise.all(consoles.map((c) => c.connected()))

    try {
      const sent = await fallsAround(homes, 100, () => platforms[0].crash())
      const incidents = await expectOneIncidentEach(sent)

      // the console on the killed node lost its socket and came back through HAProxy
      expect(consoles.reduce((n, c) => n + c.disconnects, 0)).toBeGreaterThan(0)
      await Promise.all(consoles.map((c) => c.connected()))
      for (const c of consoles) {
        await eventually(async () => incidents.every((id) => c.knows(id)), 10_000, 'every incident known to each console (told or resynced)')
      }
      // the survivor's SLA scheduler fired the deadlines of incidents opened while the other was dead
      await eventually(async () => {
        const { rows } = await pool.query<{ n: string }>('select count(*) as n from incidents where id = any($1) and ack_breached and escalation_step >= 1', [incidents])
        return Number(rows[0]!.n) === incidents.length
      }, 15_000, 'ack deadline breached and escalated on every incident')
      // and the family heard of every incident, even one opened by the node just before it died:
      // one message each (at least once: a repeat carries the same idempotency key, the receiver drops it)
      await eventually(async () => incidents.every((id) => delivered.some((d) => d.kind === 'incident_opened' && d.incidentId === id)), 30_000, 'incident_opened delivered for each')
      for (const id of incidents) expect(messagesFor(id)).toHaveLength(1)
    } finally {
      for (const c of consoles) c.close()
      await api.request('DELETE', '/api/policies/response')
      await platforms[0].start()
    }
  })

  it('Redis away for 10 s: alarms are recorded and opened through PostgreSQL, the cluster heals when it returns, nothing is told twice', async () => {
    const homes = await homesWithDevices(6)
    const consoles = [new Console(api), new Console(api)]
    await Promise.all(consoles.map((c) => c.connected()))
    try {
      await redis.halt()
      const downAt = Date.now()
      const pending = homes.map((h) => h.device.event('fall').then((fall) => ({ home: h.home, fall })))
      // PostgreSQL is the durable path: recorded and opened while Redis is still away
      const ids = homes.map((h) => h.home.device.id)
      await eventually(async () => {
        const m = await incidentsOf(ids)
        return [...m.values()].every((v) => v.length === 1)
      }, 8000, 'every fall opened while Redis is away').catch((err: Error) => {
        throw new Error(`${err.message}\n${[...gateways, ...platforms].map((n) => `--- ${n.name} (running: ${n.running}) ---\n${n.logTail(15)}`).join('\n')}`)
      })
      expect(Date.now() - downAt).toBeLessThan(10_000)
      await sleep(Math.max(0, 10_000 - (Date.now() - downAt)))
      await redis.resume()

      const sent = await withTimeout(Promise.all(pending), 30_000, 'every fall PUBACKed once Redis is back')
      const incidents = await expectOneIncidentEach(sent)

      // healed: a command given on a node right after Redis returned reaches the device on whichever
      // gateway — live through Redis, or, when that node's subscriber was not back yet, redelivered
      // from PostgreSQL by the gateway holding the device (tests/scaled/commands-after-redis.test.ts)
      const first = homes[0]!
      const received = new Promise((resolve) => { const off = first.device.onCommand((c) => { off(); resolve(c) }) })
      await eventually(async () => {
        try { return await api.post(`/api/incidents/${incidents[0]}/acknowledge`, {}) } catch { return null }
      }, 10_000, 'acknowledged')
      expect(await withTimeout(received, 15_000, 'alarm.ack reaches the device')).toMatchObject({ type: 'alarm.ack' })

      // nothing twice: each console told each incident at most once, each family once
      await sleep(1500)
      for (const c of consoles) for (const id of incidents) expect(c.opened.get(id) ?? 0).toBeLessThanOrEqual(1)
      await eventually(async () => incidents.every((id) => delivered.some((d) => d.kind === 'incident_opened' && d.incidentId === id)), 10_000, 'notified')
      for (const id of incidents) expect(delivered.filter((d) => d.kind === 'incident_opened' && d.incidentId === id)).toHaveLength(1)
      for (const id of incidents) expect(messagesFor(id)).toHaveLength(1)
    } finally {
      for (const c of consoles) c.close()
      await redis.resume()
    }
    await expectWhole()
  })

  it('PostgreSQL restarted: gateways withhold PUBACKs while it is away, devices resend, and everything recovers [P-4.1]', async () => {
    const homes = await homesWithDevices(4)
    await postgres.pause()
    let acked = 0
    const pending = homes.map((h) => h.device.event('fall').then((fall) => { acked++; return { home: h.home, fall } }))
    try {
      await sleep(4000)
      expect(acked).toBe(0) // [P-4.1] nothing is PUBACKed that is not durably recorded
    } finally {
      await postgres.resume()
    }
    const sent = await withTimeout(Promise.all(pending), 30_000, 'every fall PUBACKed after PostgreSQL is back').catch((err: Error) => {
      throw new Error(`${err.message}: ${acked} PUBACKed; devices connected: ${homes.map((h) => clientOf(h.device).connected).join(', ')}\n${gateways.map((n) => `--- ${n.name}\n${n.logTail(12)}`).join('\n')}`)
    })
    await expectOneIncidentEach(sent)
    await expectWhole()
  })
})

function withTimeout<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms) })
  ])
}

/** The device's MQTT.js client (private in SimDevice), to watch its connection drop. */
function clientOf (device: SimDevice): import('mqtt').MqttClient {
  return (device as unknown as { client: import('mqtt').MqttClient }).client
}
