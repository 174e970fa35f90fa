/**
 * docker-compose.yml's topology as local processes, since no Docker engine runs here: two
 * standalone gateways (MQTT_PROXY_PROTOCOL=on) and two platform nodes on a real PostgreSQL and a
 * real Redis, behind Debian's haproxy on deploy/haproxy.cfg. Devices and operators reach the
 * stack only through the balancer, as in production (docs/deployment.md).
 */
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import type { IncidentDto } from '@eldercare/protocols'
import { needsHaproxy, startHaproxy, type Haproxy } from '../support/haproxy.ts'
import { startGatewayNode, startPlatformNode, type NodeProcess } from '../support/nodes.ts'
import { Api, ADMIN, eventually, seedHome, type SeededHome } from '../support/platform.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { needsRedis, startRedis, type RedisServer } from '../support/redis.ts'
import { needsAll } from '../support/requirements.ts'

const req = needsAll('the compose topology as processes', [needsPostgres(), needsRedis(), needsHaproxy()])

describe.skipIf(!req.ok)('compose topology: 2 gateways + 2 platforms behind deploy/haproxy.cfg', () => {
  let postgres: PostgresServer
  let redis: RedisServer
  let platforms: NodeProcess[] = []
  let gateways: NodeProcess[] = []
  let lb: Haproxy
  let api: Api
  let home: SeededHome
  let device: SimDevice | undefined

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
    const env = {
      DATABASE_URL: await postgres.createDatabase('topology'),
      REDIS_URL: redis.url,
      // one key for every node (docker-compose.yml requires it)
      DATA_KEY: randomBytes(32).toString('base64'),
      // haproxy reaches the platforms from 127.0.0.1: its X-Forwarded-For is believed (issue 13)
      TRUST_PROXY: '127.0.0.1',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password
    }
    // the first platform node migrates the database; the others start on it
    platforms.push(await startPlatformNode(env, { name: 'platform-1' }))
    const gatewayEnv = { DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL, MQTT_PROXY_PROTOCOL: 'on' }
    const [p2, g1, g2] = await Promise.all([
      startPlatformNode(env, { name: 'platform-2' }),
      startGatewayNode(gatewayEnv, { name: 'gateway-1' }),
      startGatewayNode(gatewayEnv, { name: 'gateway-2' })
    ])
    platforms.push(p2)
    gateways = [g1, g2]
    lb = await startHaproxy({
      gateways: gateways.map((g) => ({ mqtt: g.ports.mqtt, ws: g.ports.mqttWs })),
      platforms: platforms.map((p) => ({ http: p.ports.http! }))
    })
    api = new Api(`http://127.0.0.1:${lb.httpPort}`)
  }, 300_000)

  afterAll(async () => {
    await device?.close().catch(() => {})
    await lb?.stop()
    await Promise.all([...gateways, ...platforms].map((n) => n.stop()))
    await redis?.stop()
    await postgres?.stop()
  })

  it('is ready through the balancer: every platform node answers /api/health, and the balancer routes to them', async () => {
    for (const p of platforms) expect((await fetch(`http://127.0.0.1:${p.ports.http}/api/health`)).status, p.name).toBe(200)
    await eventually(async () => (await fetch(`${api.baseUrl}/api/health`).catch(() => null))?.status === 200, 10_000, `/api/health through haproxy\n${lb.logTail()}`)
    await api.login()
    home = await seedHome(api, { deviceType: 'fall_detector' })
  })

  it('signs in through the balancer with each client\'s own address: a guesser at one address does not hold back the same user at another (issue 13)', async () => {
    // Two operators' machines: connections from 127.0.0.2 and 127.0.0.3 (all of 127/8 is this host).
    const login = (from: string, password: string) => new Promise<{ status: number, retryAfter?: string }>((resolve, reject) => {
      const body = JSON.stringify({ username: ADMIN.username, password })
      const req = request({ host: '127.0.0.1', port: lb.httpPort, localAddress: from, method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined }))
      })
      req.on('error', reject)
      req.end(body)
    })
    for (let i = 0; i < 3; i++) expect((await login('127.0.0.2', 'wrong-password')).status).toBe(401)
    const held = await login('127.0.0.2', 'wrong-password')
    expect(held.status).toBe(429)
    expect(Number(held.retryAfter)).toBeGreaterThan(0)
    expect((await login('127.0.0.3', ADMIN.password)).status).toBe(200)
    const { items } = await api.get<{ items: Array<{ ip: string }> }>('/api/audit?action=auth.login_failed')
    expect(items.map((e) => e.ip)).toContain('127.0.0.2')
    expect(items.map((e) => e.ip)).not.toContain('127.0.0.1')
  })

  it('[P-4.1] a fall through the balancer is PUBACKed once recorded and opens one incident, held by exactly one gateway', async () => {
    device = new SimDevice({ url: `mqtt://127.0.0.1:${lb.mqttPort}`, credentials: { ...home.device, type: 'fall_detector' }, reconnectPeriodMs: 300 })
    await device.connect()
    await device.event('fall', { confidence: 0.95, location: 'bathroom' }) // resolves on PUBACK
    const incident = await eventually(async () => {
      const { items } = await api.get<{ items: IncidentDto[] }>('/api/incidents')
      const falls = items.filter((i) => i.deviceId === home.device.id && i.type === 'fall')
      return falls.length === 1 ? falls[0] : null
    }, 15_000, 'one fall incident')
    expect(incident.status).toBe('open')
    // exactly one gateway holds the device, and it logged the device's connection
    await eventually(async () => gateways.some((g) => g.logTail(200).includes(`"deviceId":"${home.device.id}","msg":"device connected"`)), 5000, 'a gateway logging the device')
    const holding = gateways.filter((g) => g.logTail(200).includes(`"deviceId":"${home.device.id}","msg":"device connected"`))
    expect(holding).toHaveLength(1)
  })

  it('kill -9 of the device\'s gateway: it reconnects through the balancer to the other, and its next fall joins the incident', async () => {
    const holding = gateways.find((g) => g.logTail(200).includes(`"deviceId":"${home.device.id}","msg":"device connected"`))!
    const other = gateways.find((g) => g !== holding)!
    await holding.stop('SIGKILL')
    // QoS 1: MQTT.js keeps the publish until a gateway PUBACKs it after its reconnection
    await device!.event('fall', { confidence: 0.9, location: 'bathroom' })
    // its log arrives through a pipe, possibly after the PUBACK
    await eventually(async () => other.logTail(200).includes(`"deviceId":"${home.device.id}","msg":"device connected"`), 5000, `the device connected on ${other.name}`)
    const incident = await eventually(async () => {
      const { items } = await api.get<{ items: IncidentDto[] }>('/api/incidents')
      const falls = items.filter((i) => i.deviceId === home.device.id && i.type === 'fall')
      return falls.length === 1 && falls[0].alarmCount === 2 ? falls[0] : null
    }, 15_000, 'the one fall incident with both alarms')
    expect(incident.alarmCount).toBe(2)
  })
})
