/**
 * Upper platforms over MQTT (issue 16): an integration account logs in to the broker with its
 * API token as a standard MQTT 3.1.1 client, receives its subtree's incidents on
 * care/v1/areas/{areaId}/incidents (QoS 1, masked, after commit), exercises every MQTT feature in
 * its own sandbox, and is refused everywhere else.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { subscribeGranted } from '../support/devices.ts'

async function connect (url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...opts })
  await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject) })
  return client
}

describe('integration accounts on the broker', () => {
  let p: TestPlatform
  const ids = { district: '', community: '', other: '', resident: '', otherResident: '' }
  let token = ''
  let username = ''

  beforeAll(async () => {
    p = await startTestPlatform({}, { app: { statementJobMs: 0 } })
    await p.api.login()
    const city = (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city')
    const district = await p.api.post('/api/areas', { name: '上联区', level: 'district', parentId: city.id })
    const street = await p.api.post('/api/areas', { name: '上联街道', level: 'street', parentId: district.id })
    const community = await p.api.post('/api/areas', { name: '上联社区', level: 'community', parentId: street.id })
    const other = await p.api.post('/api/areas', { name: '另区', level: 'district', parentId: city.id })
    const otherS = await p.api.post('/api/areas', { name: '另街道', level: 'street', parentId: other.id })
    const otherC = await p.api.post('/api/areas', { name: '另社区', level: 'community', parentId: otherS.id })
    const home = await p.api.post('/api/sites', { name: '王家', kind: 'home', areaId: community.id })
    const otherHome = await p.api.post('/api/sites', { name: '赵家', kind: 'home', areaId: otherC.id })
    Object.assign(ids, {
      district: district.id, community: community.id, other: other.id,
      resident: (await p.api.post('/api/residents', { name: '王秀英', siteId: home.id, idNumber: '11010519491231002X', phone: '13800001234' })).id,
      otherResident: (await p.api.post('/api/residents', { name: '赵大爷', siteId: otherHome.id })).id
    })
    username = `feed-${Math.random().toString(36).slice(2, 8)}`
    token = (await p.api.post('/api/integrations', { name: '市平台', username, areaId: district.id })).token
  })
  afterAll(async () => { await p?.close() })

  const openIncident = (id: string, residentId: string) => p.db.query(
    `insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, updated_at)
     select $1, 'fall', 'P1', 'open', r.id, r.site_id, s.area_id, 1, now(), now() + interval '60 seconds', now() from residents r join sites s on s.id = r.site_id where r.id = $2`, [id, residentId])

  it('refuses a wrong token and a login without the integration clientId', async () => {
    await expect(connect(p.mqttUrl, { clientId: `integration:${username}`, username: `integration:${username}`, password: 'wrong-token' })).rejects.toThrow(/Bad username or password|Not authorized/i)
    await expect(connect(p.mqttUrl, { clientId: 'plain-client', username: `integration:${username}`, password: token })).rejects.toThrow()
  })

  it('receives its subtree\'s incidents at QoS 1, masked; another district\'s topic is refused', async () => {
    const c = await connect(p.mqttUrl, { clientId: `integration:${username}`, username: `integration:${username}`, password: token })
    try {
      const got: Array<{ topic: string, payload: string, qos: number }> = []
      c.on('message', (topic, payload, packet) => { got.push({ topic, payload: payload.toString(), qos: packet.qos }) })
      expect(await subscribeGranted(c, [`care/v1/areas/${ids.district}/incidents`], 1)).toEqual([1])
      expect(await subscribeGranted(c, [`care/v1/areas/${ids.other}/incidents`], 1)).toEqual([128])
      expect(await subscribeGranted(c, ['care/v1/devices/#'], 1)).toEqual([128])
      expect(await subscribeGranted(c, ['#'], 1)).toEqual([128])
      await openIncident('feed-1', ids.resident)
      await openIncident('feed-2', ids.otherResident)
      await p.api.post('/api/incidents/feed-1/acknowledge', {})
      await p.api.post('/api/incidents/feed-2/acknowledge', {})
      await eventually(async () => got.length >= 1, 5000, 'incident on the feed')
      await new Promise((r) => setTimeout(r, 300))
      expect(got).toHaveLength(1)
      expect(got[0].topic).toBe(`care/v1/areas/${ids.district}/incidents`)
      expect(got[0].qos).toBe(1)
      const msg = JSON.parse(got[0].payload)
      expect(msg.incident).toMatchObject({ id: 'feed-1', status: 'acknowledged', residentName: '王**' })
      expect(got[0].payload).not.toMatch(/王秀英|1101051949|13800001234|phone|idNumber|keySafe|address/)
    } finally { await c.endAsync(true) }
  })

  it('exercises QoS 0–2, retained messages and its will in its own sandbox; publishing elsewhere closes the connection', async () => {
    const sandbox = `sandbox/${username}`
    const a = await connect(p.mqttUrl, { clientId: `integration:${username}:a`, username: `integration:${username}`, password: token, will: { topic: `${sandbox}/will`, payload: Buffer.from('gone'), qos: 1, retain: false } })
    const b = await connect(p.mqttUrl, { clientId: `integration:${username}:b`, username: `integration:${username}`, password: token })
    try {
      const got: Array<{ topic: string, payload: string, qos: number, retain: boolean }> = []
      b.on('message', (topic, payload, packet) => { got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }) })
      await a.publishAsync(`${sandbox}/retained`, 'kept', { qos: 1, retain: true })
      expect((await b.subscribeAsync(`${sandbox}/#`, { qos: 2 })).map((g) => g.qos)).toEqual([2])
      for (const qos of [0, 1, 2] as const) await a.publishAsync(`${sandbox}/q${qos}`, `m${qos}`, { qos })
      a.stream.destroy() // an unclean end: the broker publishes the will
      // QoS 2 reaches b's application on the broker's PUBREL, a round trip after its PUBLISH: the
      // will (QoS 1, one packet) may overtake it, so wait for both
      await eventually(async () => got.some((m) => m.topic.endsWith('/will')) && got.some((m) => m.topic.endsWith('/q2')), 5000, 'the will and the QoS 2 message')
      expect(got.find((m) => m.topic.endsWith('/retained'))).toMatchObject({ payload: 'kept', retain: true })
      expect(got.filter((m) => /\/q\d$/.test(m.topic)).map((m) => [m.payload, m.qos])).toEqual([['m0', 0], ['m1', 1], ['m2', 2]])
      const closed = new Promise<void>((resolve) => b.once('close', () => resolve()))
      b.publish('care/v1/devices/x/events', '{}', { qos: 1 })
      await closed
    } finally { await a.endAsync(true).catch(() => {}); await b.endAsync(true).catch(() => {}) }
  })
})
