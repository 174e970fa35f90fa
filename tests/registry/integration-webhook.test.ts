/**
 * Integration accounts' webhooks deliver through the notification outbox (issue 16, migration
 * 0017): a receiver that fails twice and then accepts gets the incident on the third attempt, with
 * the same idempotency key inside the signed body each time; a disabled account's pending
 * deliveries stop. A real HTTP receiver, real PGlite and PostgreSQL.
 */
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { describeOnPostgres, seedDistrict, type SeededDistrict } from './registry-support.ts'

interface Hit { body: string, headers: Record<string, string | string[] | undefined>, answered: number }

/** A receiver answering each POST with the next status of `statuses` (then 200). */
async function receiver (statuses: number[]): Promise<{ url: string, hits: Hit[], close: () => Promise<void> }> {
  const hits: Hit[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      const answered = statuses.shift() ?? 200
      hits.push({ body, headers: req.headers, answered })
      res.statusCode = answered
      res.end(answered === 200 ? 'ok' : 'busy')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/in`, hits, close: () => new Promise((resolve) => { server.close(() => resolve()) }) }
}

function suite (name: string, start: () => Promise<TestPlatform>) {
  describe(`integration webhooks through the outbox on ${name}`, () => {
    let p: TestPlatform
    let s: SeededDistrict
    let n = 0
    const incidentFor = async (): Promise<string> => {
      const id = `iw-${++n}-${Math.random().toString(36).slice(2, 6)}`
      // one active incident per resident: the previous test's is done
      await p.db.query(`update incidents set status = 'resolved', resolved_at = now() where resident_id = $1 and status <> 'resolved'`, [s.residentId])
      await p.db.query(`insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, updated_at)
        select $1, 'sos', 'P1', 'open', r.id, r.site_id, s.area_id, 1, now(), now() + interval '60 seconds', now() from residents r join sites s on s.id = r.site_id where r.id = $2`, [id, s.residentId])
      return id
    }

    beforeAll(async () => {
      p = await start()
      await p.api.login()
      s = await seedDistrict(p.api, `iw${Date.now().toString(36)}`)
    })
    afterAll(async () => { await p?.close() })

    it('a receiver failing twice (503) gets the incident on the third attempt, one idempotency key in the signed body', async () => {
      const hook = await receiver([503, 503])
      try {
        const secret = 'upper-platform-secret-456'
        const acc = await p.api.post('/api/integrations', { name: '市平台', username: `retry-${n}-${Date.now().toString(36)}`, areaId: s.districtId, webhookUrl: hook.url, webhookSecret: secret })
        const id = await incidentFor()
        await p.api.post(`/api/incidents/${id}/acknowledge`, {})
        const delivered = () => hook.hits.find((h) => h.answered === 200 && JSON.parse(h.body).incident.status === 'acknowledged')
        await eventually(async () => delivered(), 10_000, 'third attempt accepted')
        const mine = hook.hits.filter((h) => JSON.parse(h.body).incident.id === id)
        const first = mine.findIndex((h) => JSON.parse(h.body).incident.status === 'acknowledged')
        const tries = mine.slice(first, first + 3)
        expect(tries.map((h) => h.answered)).toEqual([503, 503, 200])
        expect(tries.map((h) => h.headers['x-eldercare-attempt'])).toEqual(['1', '2', '3'])
        const keys = tries.map((h) => JSON.parse(h.body).idempotencyKey as string)
        expect(new Set(keys).size).toBe(1)
        expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
        expect(tries.map((h) => h.headers['idempotency-key'])).toEqual(keys)
        for (const h of tries) {
          // the key is inside what is signed: a receiver can trust it to drop a repeat
          expect(h.headers['x-eldercare-signature']).toBe('sha256=' + createHmac('sha256', secret).update(`${String(h.headers['x-eldercare-timestamp'])}.${h.body}`).digest('hex'))
          expect(JSON.parse(h.body)).toMatchObject({ event: 'incident:updated', account: acc.id, incident: { id, status: 'acknowledged' } })
          expect(h.body).not.toContain(s.residentName)
        }
        // the receiver answered 200; the platform settles the row once that answer is back (a moment
        // later: read at once it was still unsettled once under CI load)
        const settled = async () => (await p.db.query<{ outcome: string | null, attempts: number }>(`select outcome, attempts from notification_outbox where id = $1`, [keys[0]])).rows[0]
        await eventually(async () => (await settled())?.outcome !== null, 5_000, 'the outbox row settled')
        expect(await settled()).toMatchObject({ outcome: 'delivered', attempts: 3 })
        // the upper platform's deliveries stay off the incident's timeline
        const detail = await p.api.get(`/api/incidents/${id}`)
        expect(detail.timeline.filter((e: { kind: string, data?: { channel?: string } }) => e.data?.channel === 'integration')).toEqual([])
      } finally {
        await hook.close()
      }
    })

    it('a disabled account receives nothing more: its pending delivery fails for good instead of retrying', async () => {
      const hook = await receiver([503, 503, 503, 503, 503, 503])
      try {
        const acc = await p.api.post('/api/integrations', { name: '省平台', username: `off-${n}-${Date.now().toString(36)}`, areaId: s.districtId, webhookUrl: hook.url, webhookSecret: 'upper-platform-secret-789' })
        const id = await incidentFor()
        await p.api.post(`/api/incidents/${id}/acknowledge`, {})
        await eventually(async () => hook.hits.some((h) => JSON.parse(h.body).incident.id === id), 10_000, 'first attempt')
        await p.api.post(`/api/integrations/${acc.id}/disable`, {})
        await eventually(async () => {
          const { rows } = await p.db.query<{ n: string | number }>(`select count(*) as n from notification_outbox where channel = 'integration' and incident_id = $1 and settled_at is null`, [id])
          return Number(rows[0]!.n) === 0
        }, 10_000, 'settled')
        const { rows } = await p.db.query<{ outcome: string, last_error: string }>(`select outcome, last_error from notification_outbox where channel = 'integration' and incident_id = $1 and payload->'data'->>'accountId' = $2`, [id, acc.id])
        expect(rows.length).toBeGreaterThan(0)
        for (const r of rows) expect(r).toMatchObject({ outcome: 'failed', last_error: expect.stringContaining('disabled') })
        const before = hook.hits.length
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(hook.hits.length).toBe(before)
      } finally {
        await hook.close()
      }
    })
  })
}

const fast = { response: { autoTick: false, outbox: { backoffMs: 100, pollIntervalMs: 50 } } }
suite('PGlite', () => startTestPlatform({}, { app: fast }))
describeOnPostgres('integration_webhooks', (url) => suite('PostgreSQL 15', () => startTestPlatform({ DATABASE_URL: url() }, { app: fast })))
