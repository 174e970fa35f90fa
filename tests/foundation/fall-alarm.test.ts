/**
 * The walking skeleton, on the real stack: a fall published by a device over MQTT
 * (MQTT.js, real aedes over TCP) is recorded durably before its PUBACK, becomes an
 * incident in PGlite, reaches an operator over socket.io, and acknowledging it sends
 * `alarm.ack` back to the device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { deviceTopic, IncidentDetailDto, IncidentDto, isIncidentDetailDto, type Command, type DeviceErrorMessage } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { ApiError, eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
let home: SeededHome
let device: SimDevice

beforeAll(async () => {
  p = await startTestPlatform()
  await p.api.login()
  home = await seedHome(p.api)
  device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'fall_detector' } })
  await device.connect()
})

afterAll(async () => {
  await device?.close()
  await p?.close()
})

const inboxRows = async (msgId: string) =>
  (await p.db.query('select * from inbox where device_id = $1 and msg_id = $2', [home.device.id, msgId])).rows

describe('one fall alarm, device to operator and back', () => {
  it('[P-1.2] refuses a wrong secret with CONNACK 4 and stores nothing', async () => {
    const client = mqtt.connect(p.mqttUrl, { clientId: home.device.id, username: home.device.id, password: 'not-the-secret', reconnectPeriod: 0, connectTimeout: 5000 })
    const err = await new Promise<Error & { code?: number }>((resolve) => client.once('error', resolve))
    client.end(true)
    expect(err.code).toBe(4)
  })

  it('[P-1.2] refuses a client whose username is not its clientId', async () => {
    const client = mqtt.connect(p.mqttUrl, { clientId: 'someone-else', username: home.device.id, password: home.device.secret, reconnectPeriod: 0 })
    const err = await new Promise<Error & { code?: number }>((resolve) => client.once('error', resolve))
    client.end(true)
    expect([4, 5]).toContain(err.code)
  })

  it('[P-4.1] records the fall in the inbox before the PUBACK, opens one incident and tells the operator', async () => {
    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const opened = nextEvent(socket, 'incident:opened', (i) => i.deviceId === home.device.id)

    const fall = await device.event('fall', { confidence: 0.93, location: 'bathroom' }) // resolves on PUBACK
    const rows = await inboxRows(fall.id)
    expect(rows).toHaveLength(1) // durable when acknowledged, not later
    expect(rows[0]).toMatchObject({ kind: 'event', type: 'fall' })

    const live = await opened
    expect(live).toMatchObject({ type: 'fall', priority: 'P1', status: 'open', residentId: home.residentId, siteId: home.siteId })
    expect(live.ackDueAt).not.toBeNull()
    const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=open')
    expect(items.filter((i) => i.deviceId === home.device.id).map((i) => i.id)).toEqual([live.id])
    socket.close()
  })

  it('[P-2.4] acknowledges a redelivered message again with no new effect', async () => {
    const before = (await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=all')).items.length
    // smoke: an SOS would now join the active fall of the same resident (one situation, issue 5)
    const msg = { id: 'dup-1', ts: Date.now(), type: 'smoke' as const }
    await device.publish('events', msg, 1)
    await eventually(async () => (await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=all')).items.length === before + 1, 5000, 'first smoke incident')
    const dupsBefore = p.gateway.counters.duplicates
    await device.publish('events', msg, 1) // PUBACKed again
    await device.publish('events', msg, 1)
    expect(p.gateway.counters.duplicates).toBe(dupsBefore + 2)
    expect(await inboxRows('dup-1')).toHaveLength(1)
    await p.app.engine.drain()
    const after = (await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=all')).items
    expect(after.length).toBe(before + 1)
  })

  it('a second fall while the first is active joins it instead of opening a duplicate', async () => {
    await device.event('fall')
    const active = await eventually(async () => {
      const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=active')
      const falls = items.filter((i) => i.deviceId === home.device.id && i.type === 'fall')
      return falls.length === 1 && falls[0].alarmCount === 2 ? falls : null
    }, 5000, 'fall incident with two alarms')
    expect(active).toHaveLength(1)
  })

  it('[P-3.7] answers invalid JSON and invalid payloads on the errors topic', async () => {
    // The SimDevice JSON-encodes its bodies, so raw bytes go through a plain MQTT.js client
    // that takes over the device's session for the duration of this test.
    const raw = mqtt.connect(p.mqttUrl, { clientId: `${home.device.id}`, username: home.device.id, password: home.device.secret, clean: false, reconnectPeriod: 0 })
    await new Promise<void>((resolve, reject) => { raw.once('connect', () => resolve()); raw.once('error', reject) })
    await raw.subscribeAsync(deviceTopic(home.device.id, 'errors'))
    const got: DeviceErrorMessage[] = []
    raw.on('message', (_t, payload) => got.push(JSON.parse(payload.toString())))
    await raw.publishAsync(deviceTopic(home.device.id, 'events'), '{"id":"bad-2","ts":', { qos: 1 })
    await raw.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'bad-3', ts: Date.now() }), { qos: 1 })
    await eventually(async () => got.length >= 2, 3000, 'two error answers')
    expect(got[0]).toMatchObject({ code: 'invalid_json', ref: null, topic: deviceTopic(home.device.id, 'events') })
    expect(got[1]).toMatchObject({ code: 'invalid_payload', ref: 'bad-3' })
    expect(got[1].message).toMatch(/type/)
    expect(await inboxRows('bad-3')).toHaveLength(0)
    await raw.endAsync()
    // the same client id took over the session; reconnect the simulated device
    await device.close()
    device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'fall_detector' } })
    await device.connect()
  })

  it('[P-2.5] refuses a publish on another device\'s topic with unauthorized_topic', async () => {
    const other = await seedHome(p.api)
    const before = device.errors.length
    await new Promise<void>((resolve, reject) => {
      // publish through the raw client API onto the other device's topic
      (device as unknown as { client: mqtt.MqttClient }).client.publish(deviceTopic(other.device.id, 'events'), JSON.stringify({ id: 'spoof-1', ts: Date.now(), type: 'fall' }), { qos: 1 }, (err) => (err ? reject(err) : resolve()))
    })
    await eventually(async () => device.errors.length > before, 3000, 'unauthorized_topic answer')
    expect(device.errors.at(-1)).toMatchObject({ code: 'unauthorized_topic' })
    const rows = (await p.db.query('select 1 from inbox where device_id = $1', [other.device.id])).rows
    expect(rows).toHaveLength(0)
  })

  it('[P-3.5] acknowledging sends alarm.ack to the device; the timeline shows who and when', async () => {
    const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=open')
    const incident = items.find((i) => i.deviceId === home.device.id && i.type === 'fall')!
    const received = new Promise<Command>((resolve) => { const off = device.onCommand((c) => { off(); resolve(c) }) })
    const acked = await p.api.post<IncidentDto>(`/api/incidents/${incident.id}/acknowledge`, {})
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'admin' })
    expect(acked.acknowledgedAt).not.toBeNull()
    const cmd = await received
    expect(cmd).toMatchObject({ type: 'alarm.ack', args: { incident: incident.id } })
    const detail = await eventually(async () => {
      const d = await p.api.get(`/api/incidents/${incident.id}`)
      return d.timeline.some((t: { kind: string }) => t.kind === 'command_acked') ? d : null
    }, 5000, 'device acknowledgement on the timeline')
    expect(detail.timeline.find((t: { kind: string }) => t.kind === 'acknowledge')).toMatchObject({ actor: 'admin' })
    const command = await p.api.get(`/api/commands/${cmd.id}`)
    expect(command.status).toBe('acked')
  })

  it('refuses to acknowledge twice with a coded 409', async () => {
    const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=active')
    const incident = items.find((i) => i.status === 'acknowledged')!
    const err = await p.api.post(`/api/incidents/${incident.id}/acknowledge`, {}).catch((e: ApiError) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(409)
    expect((err as ApiError).body.error.code).toBe('PLT_ERR_INVALID_TRANSITION')
  })

  it('resolves only with an outcome code', async () => {
    const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=active')
    const incident = items.find((i) => i.status === 'acknowledged')!
    const err = await p.api.post(`/api/incidents/${incident.id}/resolve`, {}).catch((e: ApiError) => e)
    expect((err as ApiError).status).toBe(400)
    const done = await p.api.post<IncidentDto>(`/api/incidents/${incident.id}/resolve`, { outcome: 'handled_by_call', note: '电话确认无碍' })
    expect(done).toMatchObject({ status: 'resolved', outcome: 'handled_by_call' })
  })

  it('answers incidents by protocols\' DTOs and describes them in OpenAPI at /docs', async () => {
    const doc = await (await fetch(`${p.httpUrl}/docs/json`)).json()
    const answer = (path: string, method: string) => doc.paths[path]?.[method]?.responses?.['200']?.content?.['application/json']?.schema
    expect(Object.keys(answer('/api/incidents/{id}', 'get')?.properties ?? {}).sort()).toEqual(Object.keys(IncidentDetailDto.properties).sort())
    expect(Object.keys(answer('/api/incidents', 'get')?.properties?.items?.items?.properties ?? {}).sort()).toEqual(Object.keys(IncidentDto.properties).sort())
    for (const action of ['acknowledge', 'resolve', 'close', 'note']) {
      expect(Object.keys(answer(`/api/incidents/{id}/${action}`, 'post')?.properties ?? {}).sort(), action).toEqual(Object.keys(IncidentDto.properties).sort())
    }
    // every field the platform answers is one the DTO lists, and none is lost on the way
    const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=all')
    const detail = await p.api.get(`/api/incidents/${items.find((i) => i.deviceId === home.device.id)!.id}`)
    expect(isIncidentDetailDto(detail)).toBe(true)
    expect(detail).not.toHaveProperty('areaPath')
    expect(detail.timeline.length).toBeGreaterThan(0)
    expect(Object.keys(detail).filter((k) => !(k in IncidentDetailDto.properties))).toEqual([])
    expect(Object.keys(detail)).toEqual(expect.arrayContaining(['residentName', 'siteName', 'areaName', 'ackDueAt', 'escalationLevel', 'responder']))
  })
})

describe('platform basics', () => {
  it('reports each component on /api/health', async () => {
    const res = await fetch(`${p.httpUrl}/api/health`)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({ status: 'ok', components: { database: { status: 'ok', kind: 'pglite' }, mqtt: { status: 'ok' }, engine: { status: 'ok' } } })
  })

  it('answers a wrong password with 401 and a revoked token with 401', async () => {
    const bad = await fetch(`${p.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'wrong-password' }) })
    expect(bad.status).toBe(401)
    expect((await bad.json()).error.code).toBe('PLT_ERR_BAD_CREDENTIALS')
    const other = new (p.api.constructor as typeof import('../support/platform.ts').Api)(p.httpUrl)
    await other.login()
    await other.get('/api/auth/me')
    await other.post('/api/auth/logout')
    const err = await other.get('/api/auth/me').catch((e: ApiError) => e)
    expect((err as ApiError).status).toBe(401)
  })

  it('refuses a socket.io connection without a valid token', async () => {
    const { io } = await import('socket.io-client')
    const s = io(p.httpUrl, { auth: { token: 'nope' }, transports: ['websocket'], reconnection: false })
    const err = await new Promise<Error>((resolve) => s.once('connect_error', resolve))
    s.close()
    expect(err.message).toMatch(/PLT_ERR_UNAUTHORIZED/)
  })

  it('filters devices by site or resident and incidents by resident, never beyond the caller\'s area', async () => {
    const [a, b] = [await seedHome(p.api), await seedHome(p.api)]
    const ids = (r: { items: Array<{ id: string }> }) => r.items.map((x) => x.id)
    expect(ids(await p.api.get(`/api/devices?siteId=${a.siteId}`))).toEqual([a.device.id])
    expect(ids(await p.api.get(`/api/devices?residentId=${b.residentId}`))).toEqual([b.device.id])
    const fall = new SimDevice({ url: p.mqttUrl, credentials: { ...b.device, type: 'fall_detector' } })
    await fall.connect()
    await fall.event('fall')
    await fall.close()
    await p.app.engine.drain()
    const forB = (await p.api.get<{ items: IncidentDto[] }>(`/api/incidents?status=all&residentId=${b.residentId}`)).items
    expect(forB.map((i) => i.residentId)).toEqual([b.residentId])
    expect((await p.api.get<{ items: IncidentDto[] }>(`/api/incidents?status=all&residentId=${a.residentId}`)).items).toEqual([])
    // An operator of A's district naming B's site or resident gets nothing, not B's records.
    await p.api.post('/api/users', { username: `op-${a.districtId.slice(0, 8)}`, password: 'operator-pass', role: 'operator', areaId: a.districtId })
    const op = new (p.api.constructor as typeof import('../support/platform.ts').Api)(p.httpUrl)
    await op.login(`op-${a.districtId.slice(0, 8)}`, 'operator-pass')
    expect((await op.get(`/api/devices?siteId=${b.siteId}`)).items).toEqual([])
    expect((await op.get(`/api/incidents?status=all&residentId=${b.residentId}`)).items).toEqual([])
    const bad = await op.get(`/api/devices?siteId=${'x'.repeat(65)}`).catch((e: ApiError) => e)
    expect((bad as ApiError).status).toBe(400)
  })

  it('returns the device secret once and stores only its hash', async () => {
    const { rows } = await p.db.query<{ secret_hash: string }>('select secret_hash from devices where id = $1', [home.device.id])
    expect(rows[0].secret_hash).not.toContain(home.device.secret)
    expect(rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/)
    const read = await p.api.get(`/api/devices/${home.device.id}`)
    expect(JSON.stringify(read)).not.toContain(home.device.secret)
  })
})
