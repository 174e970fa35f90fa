/**
 * Notifications survive a crash (issue 14): a platform node killed with SIGKILL while it retries
 * a family's webhook message; another node, started afterwards and never told of the message,
 * delivers it from the outbox (migration 0017) — at least once, with the same idempotency key in
 * the signed payload on every attempt.
 */
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { SimDevice } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { needsRedis, startRedis, type RedisServer } from '../support/redis.ts'
import { startPlatformNode, type NodeProcess } from '../support/nodes.ts'
import { ADMIN, Api, eventually, seedHome } from '../support/platform.ts'

const req = needsAll('notification outbox across nodes (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])
const SECRET = 'outbox-test-webhook-secret'

interface Attempt { key: string, attempt: string, kind: string, incidentId: string, signed: boolean, answered: number }

describe.skipIf(!req.ok)('notification outbox: a node killed mid-retry, another delivers', () => {
  let postgres: PostgresServer
  let redis: RedisServer
  let webhook: Server
  let env: Record<string, string>
  let pool: pg.Pool
  const nodes: NodeProcess[] = []
  const attempts: Attempt[] = []
  let healthy = false

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
    webhook = createServer((request, response) => {
      let body = ''
      request.on('data', (c) => { body += c })
      request.on('end', () => {
        const n = JSON.parse(body) as { kind: string, incidentId: string, idempotencyKey: string }
        // what a receiver checks (docs/platform.md): HMAC-SHA256 of `<timestamp>.<body>`
        const signed = request.headers['x-eldercare-signature'] === 'sha256=' + createHmac('sha256', SECRET).update(`${String(request.headers['x-eldercare-timestamp'])}.${body}`).digest('hex')
        const answered = healthy ? 204 : 500
        attempts.push({ key: n.idempotencyKey, attempt: String(request.headers['x-eldercare-attempt']), kind: n.kind, incidentId: n.incidentId, signed, answered })
        response.writeHead(answered).end()
      })
    })
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve))
    const databaseUrl = await postgres.createDatabase('outbox')
    env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      DATA_KEY: Buffer.alloc(32, 9).toString('base64'),
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as { port: number }).port}/notify`,
      NOTIFY_WEBHOOK_SECRET: SECRET
    }
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  }, 120_000)

  afterAll(async () => {
    for (const n of nodes) await n.stop()
    await pool?.end()
    await new Promise((resolve) => webhook?.close(resolve))
    await Promise.all([redis?.stop(), postgres?.stop()])
  }, 60_000)

  it('a family message being retried by a node killed with SIGKILL is delivered by a node started afterwards, same idempotency key, signed', async () => {
    const first = await startPlatformNode(env, { name: 'platform-1' })
    nodes.push(first)
    const api = new Api(`http://127.0.0.1:${first.ports.http}`)
    await api.login()
    const home = await seedHome(api, { contacts: [{ name: '王小明', phone: '13900002222', relation: '儿子', notify: true }] })
    const device = new SimDevice({ url: `mqtt://127.0.0.1:${first.ports.mqtt}`, credentials: { ...home.device, type: 'fall_detector' } })
    await device.connect()
    await device.event('fall')
    await device.close()

    // the receiver fails the first attempt; the node has written the failure back and waits to retry
    const opened = await eventually(async () => attempts.find((a) => a.kind === 'incident_opened'), 20_000, 'a first attempt')
    await eventually(async () => {
      const { rows } = await pool.query('select 1 from notification_outbox where id = $1 and attempts >= 1 and claimed_until is null and settled_at is null', [opened.key])
      return rows.length === 1
    }, 10_000, 'the failed attempt put back for a retry')
    await first.process.kill('SIGKILL')
    const before = attempts.length

    healthy = true
    const second = await startPlatformNode(env, { name: 'platform-2' })
    nodes.push(second)
    const delivered = await eventually(async () => attempts.slice(before).find((a) => a.key === opened.key && a.answered === 204), 20_000, 'delivered by the other node')

    expect(attempts.filter((a) => a.key === opened.key).map((a) => a.answered)).toEqual([500, 204])
    expect(delivered).toMatchObject({ kind: 'incident_opened', incidentId: opened.incidentId, attempt: '2', signed: true })
    expect(opened.signed).toBe(true)
    // the result is on the incident's timeline, and the settled row keeps no phone number
    const api2 = new Api(`http://127.0.0.1:${second.ports.http}`)
    await api2.login()
    await eventually(async () => {
      const d = await api2.get(`/api/incidents/${opened.incidentId}`)
      return d.timeline.some((t: { kind: string }) => t.kind === 'notified')
    }, 10_000, 'notified on the timeline')
    const { rows } = await pool.query<{ outcome: string, payload: unknown }>('select outcome, payload from notification_outbox where id = $1', [opened.key])
    expect(rows[0]!.outcome).toBe('delivered')
    expect(JSON.stringify(rows[0]!.payload)).not.toContain('13900002222')
  })
})
