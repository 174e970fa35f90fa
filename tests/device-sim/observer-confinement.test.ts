/**
 * MQTT observers (issue 8) on the real embedded platform: an account an administrator creates
 * for an area subscribes to device topics, sees only the devices inside its area, and can
 * never publish. Real aedes over TCP, real MQTT.js clients, PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { deviceTopic } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { ApiError, eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
let a: SeededHome
let b: SeededHome
let devA: SimDevice
let devB: SimDevice
let observer: { id: string, mqttUsername: string, secret: string }
const clients: MqttClient[] = []

const connectObserver = (opts: { clientId?: string, username?: string, password?: string } = {}) => {
  const c = mqtt.connect(p.mqttUrl, {
    clientId: opts.clientId ?? `${observer.mqttUsername}-t${clients.length}`, username: opts.username ?? observer.mqttUsername,
    password: opts.password ?? observer.secret, reconnectPeriod: 0, clean: true
  })
  clients.push(c)
  return c
}
const connected = (c: MqttClient) => new Promise<void>((resolve, reject) => { c.once('connect', () => resolve()); c.once('error', reject) })

beforeAll(async () => {
  p = await startTestPlatform()
  await p.api.login()
  a = await seedHome(p.api, { name: 'obs-a', deviceType: 'sos_button' })
  b = await seedHome(p.api, { name: 'obs-b', deviceType: 'sos_button' })
  observer = await p.api.post('/api/observers', { username: 'recorder-a', areaId: a.districtId })
  devA = new SimDevice({ url: p.mqttUrl, credentials: { ...a.device, type: 'sos_button' } })
  devB = new SimDevice({ url: p.mqttUrl, credentials: { ...b.device, type: 'sos_button' } })
  await Promise.all([devA.connect(), devB.connect()])
})

afterAll(async () => {
  for (const c of clients) c.end(true)
  await devA?.close()
  await devB?.close()
  await p?.close()
})

describe('MQTT observers', () => {
  it('are created by an administrator, shown once, listed without the secret', async () => {
    expect(observer.mqttUsername).toBe('observer:recorder-a')
    expect(observer.secret.length).toBeGreaterThan(30)
    const { items } = await p.api.get('/api/observers')
    expect(items).toEqual([expect.objectContaining({ id: observer.id, username: 'recorder-a', areaId: a.districtId, disabled: false })])
    expect(JSON.stringify(items)).not.toContain(observer.secret)
    const { rows } = await p.db.query<{ secret_hash: string }>('select secret_hash from mqtt_observers where id = $1', [observer.id])
    expect(rows[0].secret_hash).not.toContain(observer.secret)
    await expect(p.api.post('/api/observers', { username: 'recorder-a', areaId: a.districtId })).rejects.toMatchObject({ status: 409 })
    await expect(p.api.post('/api/observers', { username: 'x', areaId: a.districtId })).rejects.toMatchObject({ status: 400 })
  })

  // One process forwards a device's messages to subscribers only once an observer has subscribed
  // (issue 11: until then nobody else can listen to them). This runs before any observer here has.
  it('devices that spoke before any observer subscribed: recorded as ever; the first observer gets their retained status, then their messages', async () => {
    const early = await devA.event('sos')
    expect((await p.db.query('select 1 from inbox where msg_id = $1', [early.id])).rows).toHaveLength(1)
    await devA.telemetry({ ts: Date.now(), vitals: { hr: 70 } }, 1)

    const c = connectObserver()
    await connected(c)
    const seen: Array<{ topic: string, retain: boolean, body: any }> = []
    c.on('message', (topic, payload, packet) => seen.push({ topic, retain: packet.retain, body: JSON.parse(payload.toString()) }))
    await c.subscribeAsync([deviceTopic(a.device.id, 'status'), deviceTopic(a.device.id, 'events'), deviceTopic(a.device.id, 'telemetry')], { qos: 1 })
    // the status devA published (retained) when it connected, before any observer
    await eventually(async () => seen.some((m) => m.topic === deviceTopic(a.device.id, 'status') && m.retain && m.body.online === true), 5000, `devA's retained status at the observer (seen ${JSON.stringify(seen)})`)
    expect(seen.some((m) => m.body.id === early.id)).toBe(false) // not retained: gone, as with any broker
    const late = await devA.event('sos')
    await devA.telemetry({ ts: Date.now(), vitals: { hr: 72 } }, 1)
    await eventually(async () => seen.some((m) => m.body.id === late.id) && seen.some((m) => m.topic.endsWith('/telemetry') && m.body.vitals?.hr === 72), 5000,
      `devA's messages after the subscription (seen ${JSON.stringify(seen)})`)
    c.end(true)
  })

  it('may not be created by an operator', async () => {
    await p.api.post('/api/users', { username: 'op-obs', password: 'operator-pass-1', role: 'operator', areaId: a.districtId })
    const { Api } = await import('../support/platform.ts')
    const op = new Api(p.httpUrl)
    await op.login('op-obs', 'operator-pass-1')
    const err = await op.post('/api/observers', { username: 'sneaky', areaId: a.districtId }).catch((e: ApiError) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(403)
  })

  it('receives the messages of devices inside its area and never of another area', async () => {
    const c = connectObserver()
    await connected(c)
    const seen: Array<{ topic: string, body: any }> = []
    c.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) }))
    const granted = await c.subscribeAsync(['care/v1/devices/#'], { qos: 1 })
    expect(granted.map((g) => g.qos)).toEqual([1])
    const eb = await devB.event('sos')
    const ea = await devA.event('sos')
    await devA.telemetry({ ts: Date.now(), vitals: { hr: 71 } })
    await devB.telemetry({ ts: Date.now(), vitals: { hr: 99 } })
    await eventually(async () => seen.some((m) => m.body.id === ea.id) && seen.some((m) => m.topic.endsWith('/telemetry')), 5000, `area A messages at the observer (seen ${JSON.stringify(seen)})`)
    await new Promise((r) => setTimeout(r, 300)) // B's messages, if they leaked, would have arrived by now
    expect(seen.every((m) => m.topic.startsWith(`care/v1/devices/${a.device.id}/`))).toBe(true)
    expect(seen.some((m) => m.body.id === eb.id)).toBe(false)
  })

  it('may subscribe only to device-topic shapes, without # or commands', async () => {
    const c = connectObserver()
    await connected(c)
    // MQTT.js rejects a SUBACK carrying 0x80 (failure)
    const granted = (topic: string) => c.subscribeAsync(topic, { qos: 1 }).then((g) => g[0].qos, () => 128)
    const topics = ['#', 'care/#', 'care/v1/devices/+/commands', 'care/v1/devices/+/+', 'care/v1/devices/+/events', deviceTopic(b.device.id, 'status')]
    const answers = []
    for (const t of topics) answers.push(await granted(t))
    expect(answers).toEqual([128, 128, 128, 128, 1, 1])
  })

  it('cannot publish: the connection is closed and nothing is recorded', async () => {
    const c = connectObserver()
    await connected(c)
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()))
    c.publish(deviceTopic(a.device.id, 'events'), JSON.stringify({ id: 'forged-1', ts: Date.now(), type: 'fall' }), { qos: 1 })
    await closed
    const { rows } = await p.db.query('select 1 from inbox where msg_id = $1', ['forged-1'])
    expect(rows).toHaveLength(0)
  })

  it('is refused with a wrong secret, and cannot pose as a device clientId', async () => {
    const wrong = connectObserver({ password: 'nope' })
    const e1 = await new Promise<Error & { code?: number }>((resolve) => wrong.once('error', resolve))
    expect(e1.code).toBe(4)
    // clientId = a device id with observer credentials: would take over the device's session
    const pose = connectObserver({ clientId: a.device.id })
    const e2 = await new Promise<Error & { code?: number }>((resolve) => pose.once('error', resolve))
    expect(e2.code).toBe(4)
    expect(devA.connected).toBe(true)
  })

  it('is refused once disabled', async () => {
    await p.api.post(`/api/observers/${observer.id}/disable`)
    const c = connectObserver()
    const err = await new Promise<Error & { code?: number }>((resolve) => c.once('error', resolve))
    expect(err.code).toBe(4)
  })
})
