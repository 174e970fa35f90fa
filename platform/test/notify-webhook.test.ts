import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { Notifier, WebhookChannel, signWebhook, type Notification } from '../src/features/response/notify.ts'

interface Received { headers: IncomingMessage['headers'], body: string }

let server: Server | undefined
afterEach(async () => { await new Promise<void>((resolve) => server ? server.close(() => resolve()) : resolve()); server = undefined })

/** A real local HTTP server answering with the given statuses in turn (the last one repeats). */
async function receiver (statuses: number[]): Promise<{ url: string, got: Received[] }> {
  const got: Received[] = []
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      got.push({ headers: req.headers, body })
      res.statusCode = statuses[Math.min(got.length - 1, statuses.length - 1)]
      res.end()
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hook`, got }
}

const message: Notification = { kind: 'incident_opened', incidentId: 'inc-1', to: { name: '王小明', phone: '13800001111', role: 'family' }, text: '【应急中心】测试' }
const secret = 'a-webhook-secret-of-some-length'

describe('webhook notification channel', () => {
  it('POSTs the message as JSON with an HMAC signature the receiver can check', async () => {
    const r = await receiver([204])
    await new WebhookChannel({ url: r.url, secret, now: () => 1_700_000_000_000 }).send(message)
    expect(r.got).toHaveLength(1)
    const h = r.got[0].headers
    expect(h['content-type']).toBe('application/json')
    expect(JSON.parse(r.got[0].body)).toEqual(message)
    expect(h['x-eldercare-timestamp']).toBe('1700000000000')
    expect(h['x-eldercare-signature']).toBe(signWebhook(secret, '1700000000000', r.got[0].body))
    expect(h['x-eldercare-signature']).not.toBe(signWebhook('another-secret', '1700000000000', r.got[0].body))
  })

  it('retries with exponential backoff after the receiver answers 500', async () => {
    const r = await receiver([500, 500, 200])
    const waits: number[] = []
    await new WebhookChannel({ url: r.url, secret, backoffMs: 100, sleep: async (ms) => { waits.push(ms) } }).send(message)
    expect(r.got).toHaveLength(3)
    expect(r.got.map((g) => g.headers['x-eldercare-attempt'])).toEqual(['1', '2', '3'])
    expect(waits).toEqual([100, 200])
  })

  it('gives up after its attempts and says why; a 400 is not retried', async () => {
    const r = await receiver([503])
    const ch = new WebhookChannel({ url: r.url, secret, attempts: 3, sleep: async () => {} })
    await expect(ch.send(message)).rejects.toMatchObject({ code: 'PLT_ERR_WEBHOOK', message: expect.stringMatching(/HTTP 503/) })
    expect(r.got).toHaveLength(3)
    const r2 = await (async () => { await new Promise<void>((resolve) => server!.close(() => resolve())); return receiver([400]) })()
    await expect(new WebhookChannel({ url: r2.url, secret, attempts: 3, sleep: async () => {} }).send(message)).rejects.toThrow(/HTTP 400/)
    expect(r2.got).toHaveLength(1)
  })

  it('records delivery and failure through the notifier, per channel', async () => {
    const r = await receiver([500])
    const recorded: Array<{ kind: string, data: Record<string, unknown> }> = []
    const n = new Notifier([new WebhookChannel({ url: r.url, secret, attempts: 2, sleep: async () => {} })], async (_id, kind, data) => { recorded.push({ kind, data }) }, pino({ level: 'silent' }))
    n.notify(message)
    await n.flush()
    expect(recorded).toEqual([{ kind: 'notification_failed', data: expect.objectContaining({ channel: 'webhook', kind: 'incident_opened', error: expect.stringMatching(/HTTP 500/) }) }])
    expect(JSON.stringify(recorded)).not.toContain('13800001111')
  })
})
