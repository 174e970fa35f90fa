/**
 * Accountability: reveals of sensitive fields are audited, the audit log cannot be changed, account
 * changes end the old rights at once, areas move with their history and subtree, and a rotated
 * device secret replaces the old one at the gateway immediately.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import { Api, ApiError, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { seedDistrict, userApi, type SeededDistrict } from './registry-support.ts'

let p: TestPlatform
let d: SeededDistrict
const status = (promise: Promise<unknown>) => promise.then(() => 200, (e: ApiError) => e.status)

beforeAll(async () => {
  p = await startTestPlatform()
  await p.api.login()
  d = await seedDistrict(p.api, `audit${Math.random().toString(36).slice(2, 7)}`)
})
afterAll(async () => { await p?.close() })

describe('sensitive fields', () => {
  it('stores the ID number and key-safe code encrypted and shows them masked', async () => {
    const { rows } = await p.db.query<Record<string, string>>('select id_number_enc, key_safe_code_enc from residents where id = $1', [d.residentId])
    expect(rows[0].id_number_enc).not.toContain('1240')
    expect(rows[0].key_safe_code_enc).not.toContain('4711')
    const r = await p.api.get(`/api/residents/${d.residentId}`)
    expect(r).toMatchObject({ idNumber: '**************124X', hasKeySafeCode: true, phone: '*******1234' })
    expect(JSON.stringify(r)).not.toContain('4711')
    expect(r.contacts[0].phone).toBe('*******5678')
  })

  it('reveals each field in clear only with an audit entry: who, when, from where, what', async () => {
    const op = await userApi(p.api, 'operator', d.communityId)
    const before = Date.now()
    expect(await op.post(`/api/residents/${d.residentId}/reveal/key-safe-code`, { reason: '救护车到门口' })).toEqual({ residentId: d.residentId, field: 'key-safe-code', value: '4711' })
    expect((await op.post(`/api/residents/${d.residentId}/reveal/id-number`)).value).toBe('11010519400203124X')
    expect((await op.post(`/api/residents/${d.residentId}/reveal/contact-phones`)).value).toEqual([{ name: `女儿-${d.tag}`, relation: '女儿', phone: '13900005678' }])
    const entries = (await p.api.get(`/api/audit?action=resident.reveal&username=${op.username}`)).items
    expect(entries.map((e: { data: { field: string } }) => e.data.field)).toEqual(['contact-phones', 'id-number', 'key-safe-code'])
    expect(entries[2]).toMatchObject({ userId: op.userId, username: op.username, ip: '127.0.0.1', targetType: 'resident', targetId: d.residentId, data: { reason: '救护车到门口' } })
    expect(Date.parse(entries[2].at)).toBeGreaterThanOrEqual(before - 1000)
    // Nor does any audit entry carry a revealed value.
    expect(JSON.stringify(await p.api.get('/api/audit?limit=1000'))).not.toMatch(/4711|11010519400203124X|13900005678/)
  })

  it('changes a resident field by field, re-encrypting a new ID number; livesAlone keeps the other flags', async () => {
    await p.api.request('PATCH', `/api/residents/${d.residentId}`, { flags: ['lives_alone', 'special_difficulty'] })
    const r = await p.api.request('PATCH', `/api/residents/${d.residentId}`, { livesAlone: false, idNumber: '110105194002039999', medications: ['氨氯地平'] })
    expect(r).toMatchObject({ flags: ['special_difficulty'], livesAlone: false, idNumber: '**************9999', medications: ['氨氯地平'], name: `王奶奶-${d.tag}`, hasKeySafeCode: true })
    await p.api.request('PATCH', `/api/residents/${d.residentId}`, { livesAlone: true, idNumber: '11010519400203124X' })
    expect((await p.api.get(`/api/residents/${d.residentId}`)).flags).toEqual(['special_difficulty', 'lives_alone'])
    const entry = (await p.api.get(`/api/audit?action=resident.update&targetId=${d.residentId}`)).items[1]
    expect(entry.data).toEqual({ changed: ['livesAlone', 'idNumber', 'medications'] })
    await expect(p.api.request('PATCH', `/api/residents/${d.residentId}`, { room: '101' })).rejects.toMatchObject({ status: 400 })
  })

  it('refuses a reveal to an auditor (read-only) and answers 404 outside the area', async () => {
    const auditor = await userApi(p.api, 'auditor', d.communityId)
    expect(await status(auditor.post(`/api/residents/${d.residentId}/reveal/key-safe-code`))).toBe(403)
    const other = await seedDistrict(p.api, `other${Math.random().toString(36).slice(2, 7)}`)
    const op = await userApi(p.api, 'operator', other.districtId)
    expect(await status(op.post(`/api/residents/${d.residentId}/reveal/key-safe-code`))).toBe(404)
    expect((await p.api.get(`/api/audit?action=resident.reveal&username=${op.username}`)).items).toEqual([])
  })
})

describe('the audit log', () => {
  it('is append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const n = Number((await p.db.query<{ n: string }>('select count(*) as n from audit_log')).rows[0].n)
    await expect(p.db.query(`update audit_log set action = 'x'`)).rejects.toThrow(/append-only/)
    await expect(p.db.query('delete from audit_log')).rejects.toThrow(/append-only/)
    await expect(p.db.query('truncate audit_log')).rejects.toThrow(/append-only/)
    expect(Number((await p.db.query<{ n: string }>('select count(*) as n from audit_log')).rows[0].n)).toBe(n)
  })

  it('records failed and successful sign-ins, filters by action, user and time, and is closed to operators', async () => {
    const anon = new Api(p.httpUrl)
    await expect(anon.login('nobody-here', 'wrong-password')).rejects.toThrow(/401/)
    const failed = (await p.api.get('/api/audit?action=auth.login_failed&username=nobody-here')).items
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ action: 'auth.login_failed', ip: '127.0.0.1', userId: null })
    const future = new Date(Date.now() + 3600_000).toISOString()
    expect((await p.api.get(`/api/audit?from=${encodeURIComponent(future)}`)).items).toEqual([])
    const page = await p.api.get('/api/audit?limit=2')
    expect(page.items).toHaveLength(2)
    const next = await p.api.get(`/api/audit?limit=2&beforeId=${page.nextBeforeId}`)
    expect(next.items[0].id).toBeLessThan(page.items[1].id)

    const op = await userApi(p.api, 'operator', d.districtId)
    expect(await status(op.get('/api/audit'))).toBe(403)
    const supervisor = await userApi(p.api, 'supervisor', d.districtId)
    expect(await status(supervisor.get('/api/audit'))).toBe(403)
  })
})

describe('accounts', () => {
  it('a role change, a move to another area, a disable and a password reset each revoke the user\'s tokens; every change is audited', async () => {
    const u = await userApi(p.api, 'operator', d.districtId)
    expect((await u.get('/api/auth/me')).role).toBe('operator')
    await p.api.request('PATCH', `/api/users/${u.userId}`, { role: 'supervisor' })
    expect(await status(u.get('/api/auth/me'))).toBe(401)

    await u.login(u.username, 'correct-horse-battery')
    expect((await u.get('/api/auth/me')).role).toBe('supervisor')
    await p.api.request('PATCH', `/api/users/${u.userId}`, { displayName: '值班长' }) // a name change leaves the session alone
    expect(await status(u.get('/api/auth/me'))).toBe(200)
    await p.api.request('PATCH', `/api/users/${u.userId}`, { areaId: d.communityId })
    expect(await status(u.get('/api/auth/me'))).toBe(401)

    await u.login(u.username, 'correct-horse-battery')
    const reset = await p.api.post(`/api/users/${u.userId}/reset-password`)
    expect(reset.password).toMatch(/^[A-Za-z0-9_-]{12,}$/)
    expect(await status(u.get('/api/auth/me'))).toBe(401)
    await expect(u.login(u.username, 'correct-horse-battery')).rejects.toThrow(/401/)
    await u.login(u.username, reset.password)

    await p.api.request('PATCH', `/api/users/${u.userId}`, { disabled: true })
    expect(await status(u.get('/api/auth/me'))).toBe(401)
    await expect(u.login(u.username, reset.password)).rejects.toThrow(/401/)

    const log = (await p.api.get(`/api/audit?targetType=user&targetId=${u.userId}`)).items.map((e: { action: string }) => e.action)
    expect(log).toEqual(['user.update', 'user.reset_password', 'user.update', 'user.update', 'user.update', 'user.create'])
    expect(JSON.stringify(await p.api.get(`/api/audit?targetId=${u.userId}`))).not.toContain(reset.password)
  })

  it('gives a responder none of the registry: only the responder page is theirs', async () => {
    const responder = await userApi(p.api, 'responder', d.districtId)
    for (const path of ['/api/areas', '/api/residents', `/api/residents/${d.residentId}`, '/api/devices', '/api/visits', '/api/reports/summary', '/api/audit']) {
      expect(await status(responder.get(path)), path).toBe(403)
    }
    expect(await status(responder.post(`/api/residents/${d.residentId}/reveal/key-safe-code`))).toBe(403)
  })

  it('keeps an administrator inside their own area: no accounts above it, no self-demotion', async () => {
    const admin = await userApi(p.api, 'admin', d.districtId)
    const root = (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city')
    expect(await status(admin.post('/api/users', { username: 'too-high', password: 'correct-horse-battery', role: 'admin', areaId: root.id }))).toBe(404)
    expect(await status(admin.request('PATCH', `/api/users/${admin.userId}`, { role: 'operator' }))).toBe(409)
    const listed = (await admin.get('/api/users')).items.map((x: { username: string }) => x.username)
    expect(listed).not.toContain('admin')
  })
})

describe('areas and sites keep their history', () => {
  it('moving a street moves its subtree (paths rewritten in one go) and scoping follows', async () => {
    const target = await p.api.post('/api/areas', { name: '新区', level: 'district', parentId: (await p.api.get(`/api/areas/${d.districtId}`)).parentId })
    const watcher = await userApi(p.api, 'operator', target.id)
    expect(await status(watcher.get(`/api/residents/${d.residentId}`))).toBe(404)

    await p.api.request('PATCH', `/api/areas/${d.streetId}`, { parentId: target.id, name: '和平街道（新）' })
    const paths = (await p.db.query<{ id: string, path: string }>('select id, path from areas where id = any($1)', [[d.streetId, d.communityId]])).rows
    for (const row of paths) expect(row.path.startsWith(`/${(await p.api.get(`/api/areas/${target.id}`)).parentId}/${target.id}/${d.streetId}/`)).toBe(true)
    expect((await watcher.get(`/api/residents/${d.residentId}`)).id).toBe(d.residentId)

    const history = (await p.api.get(`/api/areas/${d.streetId}/history`)).items
    expect(history.map((h: { change: string, name: string, parentId: string }) => [h.change, h.parentId])).toEqual([['create', d.districtId], ['move', target.id], ['rename', target.id]])
    expect(history.at(-1).name).toBe('和平街道（新）')
    expect(await status(p.api.request('PATCH', `/api/areas/${target.id}`, { parentId: d.communityId }))).toBe(400)
  })

  it('a site renamed and moved to another community keeps its earlier rows', async () => {
    const c2 = await p.api.post('/api/areas', { name: '第二社区', level: 'community', parentId: d.streetId })
    await p.api.request('PATCH', `/api/sites/${d.homeId}`, { name: '新门牌', areaId: c2.id })
    const h = (await p.api.get(`/api/sites/${d.homeId}/history`)).items
    expect(h.map((x: { change: string, areaId: string }) => [x.change, x.areaId])).toEqual([['create', d.communityId], ['move', c2.id]])
    expect(h[0].name).toBe(`家庭养老床位-${d.tag}`)
  })
})

describe('devices', () => {
  it('[P-1.2] a rotated secret works at once and the old one no longer does (gateway cache invalidated)', async () => {
    const first = new SimDevice({ url: p.mqttUrl, credentials: { id: d.deviceId, secret: d.deviceSecret, type: 'fall_detector' } })
    await first.connect() // the gateway now holds the device record in its cache
    await first.close()
    const { secret } = await p.api.post(`/api/devices/${d.deviceId}/rotate-secret`)
    expect(secret).not.toBe(d.deviceSecret)
    const old = new SimDevice({ url: p.mqttUrl, credentials: { id: d.deviceId, secret: d.deviceSecret, type: 'fall_detector' } })
    await expect(old.connect()).rejects.toThrow()
    await old.close().catch(() => {})
    const fresh = new SimDevice({ url: p.mqttUrl, credentials: { id: d.deviceId, secret, type: 'fall_detector' } })
    await fresh.connect()
    await fresh.close()
    expect((await p.api.get(`/api/audit?action=device.rotate_secret&targetId=${d.deviceId}`)).items).toHaveLength(1)
    expect(JSON.stringify(await p.api.get('/api/audit?limit=1000'))).not.toContain(secret)
  })
})
