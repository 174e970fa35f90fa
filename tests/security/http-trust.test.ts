/**
 * Issue 13 on the real embedded platform: security headers, responder tokens kept out of logs
 * and out of operators' answers, /metrics and /docs closable, and the login throttle behind a
 * trusted proxy (two client addresses, one of them guessing).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Notification, NotificationChannel } from '@eldercare/platform'
import { ADMIN, eventually, seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'

/** Every log line the node writes, as text. */
function captureLog () {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  return { logger: pino({ level: 'debug' }, stream), text: () => lines.join('') }
}

/** The responder's own channel: the only place the signed link may go. */
class CaptureChannel implements NotificationChannel {
  readonly name = 'capture'
  readonly sent: Notification[] = []
  async send (n: Notification) { this.sent.push(n) }
}

describe('HTTP trust (issue 13)', () => {
  let p: TestPlatform
  const log = captureLog()
  const channel = new CaptureChannel()
  const dashboardDir = mkdtempSync(join(tmpdir(), 'console-'))
  writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>console</title>')

  beforeAll(async () => {
    p = await startTestPlatform({ TRUST_PROXY: '127.0.0.1', METRICS_TOKEN: 'metrics-token-0123456789', DOCS: 'off' },
      { logger: log.logger, dashboardDir, app: { response: { channels: [channel] } } })
    await p.api.login()
  })
  afterAll(async () => { await p?.close() })

  let link = ''
  it('dispatch and decline answer without the responder link; only the responder\'s channel carries it', async () => {
    const h = await seedHome(p.api)
    const a = await p.api.post('/api/responders', { name: '护理员甲', kind: 'care_worker', areaId: h.communityId, phone: '13700001111' })
    await p.api.post('/api/responders', { name: '护理员乙', kind: 'care_worker', areaId: h.communityId, phone: '13700002222' })
    const msgId = `m-${randomUUID()}`
    const { rows } = await p.db.query<{ seq: string }>('insert into inbox (device_id, msg_id, kind, type, payload) values ($1, $2, $3, $4, $5) returning seq',
      [h.device.id, msgId, 'event', 'fall', JSON.stringify({ id: msgId, ts: Date.now(), type: 'fall' })])
    const incidentId = (await p.app.engine.settled(rows[0].seq))!.incidentId
    await p.api.post(`/api/incidents/${incidentId}/acknowledge`, {})
    const dispatched = await p.api.post(`/api/incidents/${incidentId}/dispatch`, { responderId: a.id })
    expect(dispatched.offer).toMatchObject({ responderId: a.id, status: 'offered' })
    expect(dispatched.offer).not.toHaveProperty('link')
    expect(JSON.stringify(dispatched)).not.toContain('/r/')
    const declined = await p.api.post(`/api/incidents/${incidentId}/decline`, {})
    expect(declined.offer).not.toBeNull()
    expect(JSON.stringify(declined)).not.toContain('/r/')
    await p.app.response.notifier.flush()
    const offers = channel.sent.filter((n) => n.kind === 'dispatch_offer' && n.incidentId === incidentId)
    expect(offers).toHaveLength(2)
    link = offers[1].link!
    expect(link).toMatch(/^\/r\/[^/]+$/)
  })

  it('a responder-page visit leaves no token in any log line', async () => {
    const token = link.slice('/r/'.length)
    expect((await fetch(p.httpUrl + link)).status).toBe(200)
    expect((await fetch(`${p.httpUrl}${link}/accept`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' })).status).toBe(303)
    expect((await fetch(`${p.httpUrl}/r/${token.slice(0, -4)}abcd`)).status).toBe(404)
    await eventually(async () => log.text().includes('/r/[redacted]'), 5000, 'the request log line')
    expect(log.text()).not.toContain(token)
    expect(log.text()).not.toContain(token.split('.')[2])
  })

  it('answers with security headers on /, /api/health and /r/…', async () => {
    for (const path of ['/', '/api/health', link]) {
      const r = await fetch(p.httpUrl + path)
      expect(r.status, path).toBe(200)
      expect(r.headers.get('content-security-policy'), path).toMatch(/default-src '(self|none)'/)
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer')
      expect(r.headers.get('x-frame-options') ?? r.headers.get('content-security-policy'), path).toMatch(/DENY|frame-ancestors 'none'|default-src 'none'/)
    }
    const console = await fetch(p.httpUrl + '/')
    expect(console.headers.get('x-frame-options')).toBe('DENY')
    expect(console.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(console.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests')
  })

  it('closes /metrics without METRICS_TOKEN and /docs with DOCS=off', async () => {
    expect((await fetch(`${p.httpUrl}/metrics`)).status).toBe(401)
    expect((await fetch(`${p.httpUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    const ok = await fetch(`${p.httpUrl}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('eldercare_incidents_active')
    // /docs is then the console's page (any unknown GET outside /api), not the API description
    const docs = await fetch(`${p.httpUrl}/docs`)
    expect(await docs.text()).toBe('<!doctype html><title>console</title>')
  })

  const login = (password: string, address: string) => fetch(`${p.httpUrl}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify({ username: ADMIN.username, password })
  })

  it('throttles a guesser behind the trusted proxy by (user, address): the same user from another address signs in', async () => {
    for (let i = 0; i < 3; i++) expect((await login('wrong-password', '203.0.113.7')).status).toBe(401)
    const held = await login('wrong-password', '203.0.113.7')
    expect(held.status).toBe(429)
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another operator behind the same proxy, at another address: the correct password works.
    expect((await login(ADMIN.password, '198.51.100.20')).status).toBe(200)
    const audit = await p.db.query<{ ip: string }>("select ip from audit_log where action = 'auth.login_failed' order by at desc limit 1")
    expect(audit.rows[0].ip).toBe('203.0.113.7')
  })
})

describe('sign-in timing (issue 13)', () => {
  let p: TestPlatform
  beforeAll(async () => { p = await startTestPlatform() })
  afterAll(async () => { await p?.close() })

  it('an unknown username costs about what a wrong password does (one scrypt each)', async () => {
    const attempt = async (username: string, address: string) => {
      const t0 = performance.now()
      const r = await fetch(`${p.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'not-the-password' }) })
      expect(r.status).toBe(401)
      return performance.now() - t0
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    const unknown: number[] = []
    const known: number[] = []
    // alternate, so machine load falls on both alike; below the throttle's free failures per user
    for (let i = 0; i < 3; i++) {
      unknown.push(await attempt(`nobody-${i}`, ''))
      known.push(await attempt(ADMIN.username, ''))
    }
    // Without the dummy hash an unknown name answers in ~1 ms against tens of ms for scrypt.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5)
  })
})

describe('HTTP trust without TRUST_PROXY (issue 13)', () => {
  let p: TestPlatform
  beforeAll(async () => { p = await startTestPlatform() })
  afterAll(async () => { await p?.close() })

  it('ignores X-Forwarded-For from an untrusted peer, and /metrics and /docs stay open by default', async () => {
    const r = await fetch(`${p.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' }, body: JSON.stringify({ username: 'nobody-here', password: 'x' }) })
    expect(r.status).toBe(401)
    const audit = await p.db.query<{ ip: string }>("select ip from audit_log where action = 'auth.login_failed' and username = 'nobody-here'")
    expect(audit.rows[0].ip).toBe('127.0.0.1')
    expect((await fetch(`${p.httpUrl}/metrics`)).status).toBe(200)
    expect((await fetch(`${p.httpUrl}/docs`, { redirect: 'manual' })).status).toBeLessThan(400)
  })
})
