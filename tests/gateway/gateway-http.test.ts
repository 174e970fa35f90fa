/**
 * The standalone gateway's operations listener (GATEWAY_HTTP_PORT, docs/gateway.md "Operations
 * HTTP") on a real process: real PostgreSQL and Redis, the platform's migrations run by a platform
 * node, a device publishing over MQTT to the gateway. /metrics carries the gateway's message
 * counters (the figures the embedded platform's /metrics has for its gateway part), behind
 * METRICS_TOKEN; /ready follows the database and the Redis relay; a bad port is refused at start.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { needsRedis, startRedis, type RedisServer } from '../support/redis.ts'
import { startGatewayNode, type NodeProcess } from '../support/nodes.ts'
import { eventually, seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { metricValue } from '../bench/alarms/bench.ts'

const req = needsAll('standalone gateway (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])
const TOKEN = 'gateway-metrics-token-0123'
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe.skipIf(!req.ok)('standalone gateway: /metrics, /live, /ready on GATEWAY_HTTP_PORT', () => {
  let postgres: PostgresServer
  let redis: RedisServer
  let platform: TestPlatform
  let gateway: NodeProcess
  let env: Record<string, string>
  let base: string

  beforeAll(async () => {
    ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
    env = { DATABASE_URL: await postgres.createDatabase('gwhttp'), REDIS_URL: redis.url }
    platform = await startTestPlatform(env) // runs the migrations the gateway needs
    gateway = await startGatewayNode({ ...env, GATEWAY_HTTP_PORT: '0', METRICS_TOKEN: TOKEN })
    expect(gateway.ports.http).toBeGreaterThan(0)
    base = `http://127.0.0.1:${gateway.ports.http}`
  }, 180_000)

  afterAll(async () => {
    await gateway?.stop()
    await platform?.close()
    await redis?.stop()
    await postgres?.stop()
  })

  const scrape = async () => {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    return res.text()
  }

  it('answers /live and /ready (database and Redis relay up)', async () => {
    const live = await fetch(`${base}/live`)
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${base}/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ok', components: { database: { status: 'ok' }, cluster: { status: 'ok' } } })
    expect((await fetch(`${base}/nothing`)).status).toBe(404)
    expect((await fetch(`${base}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405)
  })

  it('closes /metrics without METRICS_TOKEN or with a wrong one', async () => {
    const none = await fetch(`${base}/metrics`)
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ message: 'send Authorization: Bearer <METRICS_TOKEN>' })
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN.replace(/.$/, 'x')}` } })).status).toBe(401)
    expect((await fetch(`${base}/metrics`, { headers: { authorization: TOKEN } })).status).toBe(401)
  })

  it('counts the messages a device publishes to this gateway: an alarm [P-4.1] and telemetry', async () => {
    const before = await scrape()
    const events0 = metricValue(before, 'eldercare_gateway_messages_total', { kind: 'events', outcome: 'accepted' }) ?? 0
    const telemetry0 = metricValue(before, 'eldercare_gateway_messages_total', { kind: 'telemetry', outcome: 'accepted' }) ?? 0
    await platform.api.login()
    const home = await seedHome(platform.api, { deviceType: 'wearable' })
    const device = new SimDevice({ url: `mqtt://127.0.0.1:${gateway.ports.mqtt}`, credentials: { ...home.device, type: 'wearable' } })
    await device.connect()
    try {
      await device.event('fall') // PUBACKed once in the inbox [P-4.1]
      await device.telemetry({ ts: Date.now(), vitals: { hr: 72 } }, 1)
      await eventually(async () => {
        const after = await scrape()
        const telemetry = metricValue(after, 'eldercare_gateway_messages_total', { kind: 'telemetry', outcome: 'accepted' }) ?? 0
        return telemetry - telemetry0 === 1 ? after : null
      }, 10_000, 'the telemetry counted')
      const after = await scrape()
      expect(metricValue(after, 'eldercare_gateway_messages_total', { kind: 'events', outcome: 'accepted' })! - events0).toBe(1)
      expect(metricValue(after, 'eldercare_gateway_connected_devices')).toBe(1)
      expect(metricValue(after, 'eldercare_gateway_inbox_write_seconds_count', { kind: 'events' })).toBeGreaterThanOrEqual(1)
      // the readings writer's figures and the process's own, as on the platform's /metrics
      expect(metricValue(after, 'eldercare_readings_buffered')).not.toBeNull()
      // the read queue (read-scheduler.ts): idle again once the messages are parsed
      expect(metricValue(after, 'eldercare_gateway_read_queue_bytes')).toBe(0)
      expect(metricValue(after, 'eldercare_gateway_read_queue_wait_seconds')).toBe(0)
      expect(metricValue(after, 'eldercare_gateway_read_queue_pauses')).toBe(0)
      // the slices have measured what a connection costs, and size themselves by it (1 to 64 connections)
      expect(metricValue(after, 'eldercare_gateway_read_connection_cost_seconds')).toBeGreaterThan(0)
      const slice = metricValue(after, 'eldercare_gateway_read_slice_connections')!
      expect(slice).toBeGreaterThanOrEqual(1)
      expect(slice).toBeLessThanOrEqual(64)
      expect(metricValue(after, 'nodejs_eventloop_lag_p99_seconds')).not.toBeNull()
    } finally {
      await device.close()
    }
  })

  it('turns unready while Redis is away (the relay unsubscribed) and ready again when it returns; /live stays 200', async () => {
    await redis.halt()
    const down = await eventually(async () => {
      const r = await fetch(`${base}/ready`)
      return r.status === 503 ? await r.json() : null
    }, 15_000, '/ready 503 without Redis')
    expect(down).toMatchObject({ status: 'fail', failing: ['cluster'], components: { database: { status: 'ok' }, cluster: { status: 'fail' } } })
    expect((await fetch(`${base}/live`)).status).toBe(200)
    await redis.resume()
    await eventually(async () => (await fetch(`${base}/ready`)).status === 200 || null, 30_000, '/ready 200 with Redis back')
  }, 60_000)

  it('refuses a bad GATEWAY_HTTP_PORT, a short METRICS_TOKEN or a bad MQTT_LISTEN_BACKLOG at start with a clear message (exit 2)', async () => {
    const started = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
      cwd: ROOT, env: { PATH: process.env.PATH, ...env, GATEWAY_HTTP_PORT: 'metrics', METRICS_TOKEN: 'short', MQTT_LISTEN_BACKLOG: '0' }, timeout: 60_000
    }).then(() => null, (err: { code: number, stderr: string }) => err)
    expect(started?.code).toBe(2)
    expect(started?.stderr).toContain('GATEWAY_HTTP_PORT="metrics" must be a port number 0–65535 (0 = any free port)')
    expect(started?.stderr).toContain('METRICS_TOKEN must be at least 16 characters')
    expect(started?.stderr).toContain('MQTT_LISTEN_BACKLOG="0" must be a whole number from 1 to 65535')
  }, 60_000)
})
