/**
 * Issue 13: the live feed (socket.io) admits only roles that may read incidents, and a socket
 * does not outlive its token — disconnected the moment the token expires or is revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Api, seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'

const connect = (api: Api) => new Promise<{ ok: boolean, error?: string, socket: ReturnType<Api['socket']> }>((resolve) => {
  const socket = api.socket()
  socket.once('connect', () => resolve({ ok: true, socket }))
  socket.once('connect_error', (e) => resolve({ ok: false, error: e.message, socket }))
})

describe('socket.io access (issue 13)', () => {
  let p: TestPlatform
  // 0.002 h = 7.2 s: long enough to connect, short enough to watch the token expire.
  beforeAll(async () => { p = await startTestPlatform({ SESSION_TTL_HOURS: '0.002' }) })
  afterAll(async () => { await p?.close() })

  it('refuses a responder account and admits an operator', async () => {
    await p.api.login()
    const h = await seedHome(p.api)
    await p.api.post('/api/users', { username: 'resp-1', password: 'responder-pass', role: 'responder', areaId: h.communityId })
    await p.api.post('/api/users', { username: 'op-1', password: 'operator-pass', role: 'operator', areaId: h.communityId })
    const responder = new Api(p.httpUrl)
    await responder.login('resp-1', 'responder-pass')
    const refused = await connect(responder)
    expect(refused.ok).toBe(false)
    expect(refused.error).toMatch(/^PLT_ERR_FORBIDDEN/)
    const operator = new Api(p.httpUrl)
    await operator.login('op-1', 'operator-pass')
    const admitted = await connect(operator)
    expect(admitted.ok).toBe(true)
    admitted.socket.close()
  })

  it('disconnects a socket when its token expires, without any request', async () => {
    const operator = new Api(p.httpUrl)
    const { expiresAt } = await operator.login('op-1', 'operator-pass')
    const { ok, socket } = await connect(operator)
    expect(ok).toBe(true)
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve))
    expect(reason).toBe('io server disconnect')
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(expiresAt).getTime() - 50)
    socket.close()
  })

  it('disconnects a socket when its user is disabled (tokens revoked)', async () => {
    const admin = new Api(p.httpUrl)
    await admin.login()
    const operator = new Api(p.httpUrl)
    const me = await operator.login('op-1', 'operator-pass')
    const { ok, socket } = await connect(operator)
    expect(ok).toBe(true)
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve))
    await admin.request('PATCH', `/api/users/${me.user.id}`, { disabled: true })
    expect(await gone).toBe('io server disconnect')
    socket.close()
  })
})
