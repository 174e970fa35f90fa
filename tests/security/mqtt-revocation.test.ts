/**
 * Issue 13: revocation reaches live MQTT sessions at once. An observer disabled through the API
 * is disconnected (embedded); a device secret rotated on a platform node closes the device's
 * connection on a standalone gateway of the cluster (relayed through a real Redis), and the old
 * secret is refused there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import pg from 'pg'
import { Gateway } from '@eldercare/gateway'
import { SimDevice } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { needsRedis, startRedis, type RedisServer } from '../support/redis.ts'
import { seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'

describe('MQTT revocation, embedded (issue 13)', () => {
  let p: TestPlatform
  beforeAll(async () => { p = await startTestPlatform(); await p.api.login() })
  afterAll(async () => { await p?.close() })

  it('disconnects a connected observer the moment it is disabled', async () => {
    const h = await seedHome(p.api)
    const observer = await p.api.post('/api/observers', { username: 'recorder-r', areaId: h.districtId })
    const c = mqtt.connect(p.mqttUrl, { clientId: `${observer.mqttUsername}-1`, username: observer.mqttUsername, password: observer.secret, reconnectPeriod: 0 })
    await new Promise<void>((resolve, reject) => { c.once('connect', () => resolve()); c.once('error', reject) })
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()))
    await p.api.post(`/api/observers/${observer.id}/disable`)
    await closed
    expect(c.connected).toBe(false)
    c.end(true)
  })
})

const req = needsAll('scaled mode (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])

describe.skipIf(!req.ok)('MQTT revocation across the cluster (issue 13)', () => {
  let postgres: PostgresServer
  let redis: RedisServer
  let node: TestPlatform
  let edge: Gateway
  let pool: pg.Pool
  let edgeUrl: string

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
    const env = { DATABASE_URL: await postgres.createDatabase('revocation'), REDIS_URL: redis.url }
    node = await startTestPlatform(env)
    pool = new pg.Pool({ connectionString: env.DATABASE_URL })
    edge = new Gateway({ sql: { query: async (sql, params) => { const r = await pool.query(sql, params); return { rows: r.rows, rowCount: r.rowCount ?? 0 } } }, redisUrl: redis.url })
    edgeUrl = `mqtt://127.0.0.1:${(await edge.listen({ host: '127.0.0.1', mqttPort: 0 })).mqtt}`
  })
  afterAll(async () => {
    await edge?.close()
    await pool?.end()
    await node?.close()
    await redis?.stop()
    await postgres?.stop()
  })

  it('a secret rotated on a platform node closes the device\'s session on another gateway, and the old secret is refused', async () => {
    await node.api.login()
    const h = await seedHome(node.api)
    const c = mqtt.connect(edgeUrl, { clientId: h.device.id, username: h.device.id, password: h.device.secret, reconnectPeriod: 0, clean: false })
    await new Promise<void>((resolve, reject) => { c.once('connect', () => resolve()); c.once('error', reject) })
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()))
    const rotated = await node.api.post(`/api/devices/${h.device.id}/rotate-secret`)
    await closed
    c.end(true)
    const old = mqtt.connect(edgeUrl, { clientId: h.device.id, username: h.device.id, password: h.device.secret, reconnectPeriod: 0 })
    const err = await new Promise<Error & { code?: number }>((resolve) => old.once('error', resolve))
    expect(err.code).toBe(4)
    old.end(true)
    const fresh = new SimDevice({ url: edgeUrl, credentials: { id: h.device.id, secret: rotated.secret, type: 'fall_detector' } })
    await fresh.connect()
    await fresh.close()
  })
})
