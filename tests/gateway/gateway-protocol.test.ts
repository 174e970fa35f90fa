/**
 * Device protocol v1 over real TCP (MQTT.js against the embedded platform's aedes broker):
 * every upstream topic, clock skew, idempotency across reconnects, the ACL, hub relaying,
 * presence, commands and the metrics that count it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { deviceTopic, type DeviceStatusDto } from '@eldercare/protocols'
import { connectDevice, logSink, subscribeGranted } from '../support/devices.ts'
import { eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
let home: SeededHome
const log = logSink()

beforeAll(async () => {
  p = await startTestPlatform({}, {
    logger: pino({ level: 'info' }, log),
    // presence flushed quickly; commands time out 500 ms after delivery and expire 3 s after sending
    app: { commandOptions: { ackTimeoutMs: 500, expiryMs: 3000 } }
  })
  await p.api.login()
  home = await seedHome(p.api, { deviceType: 'wearable' })
})
afterAll(async () => { await p?.close() })

const inbox = async (deviceId: string, msgId: string) =>
  (await p.db.query<Record<string, any>>('select * from inbox where device_id = $1 and msg_id = $2', [deviceId, msgId])).rows
const deviceRow = async (id: string) => (await p.db.query<Record<string, any>>('select * from devices where id = $1', [id])).rows[0]
const metrics = async () => (await fetch(`${p.httpUrl}/metrics`)).text()

describe('upstream topics', () => {
  it('[P-3.2] records every event type, cancel against its ref, test and geo', async () => {
    const d = await connectDevice(p.mqttUrl, home.device)
    const t = Date.now()
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-fall', ts: t, type: 'fall', geo: { lat: 32.99, lng: 112.53, acc: 15 } }), { qos: 1 })
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-cancel', ts: t + 1, type: 'cancel', ref: 'ev-fall' }), { qos: 1 })
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-test', ts: t + 2, type: 'test' }), { qos: 1 })
    expect((await inbox(home.device.id, 'ev-fall'))[0].payload.geo).toEqual({ lat: 32.99, lng: 112.53, acc: 15 })
    expect((await inbox(home.device.id, 'ev-cancel'))[0]).toMatchObject({ type: 'cancel', payload: { ref: 'ev-fall' } })
    expect((await inbox(home.device.id, 'ev-test'))[0]).toMatchObject({ type: 'test' })
    // [P-3.2] an alarm sent with QoS 0 is still accepted
    d.client.publish(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-q0', ts: t + 3, type: 'sos' }), { qos: 0 })
    await eventually(async () => (await inbox(home.device.id, 'ev-q0')).length === 1, 5000, 'QoS 0 alarm recorded')
    await d.end()
  })

  it('[P-3.3] records intercom call events tied by callId', async () => {
    const d = await connectDevice(p.mqttUrl, home.device)
    for (const [i, type] of ['call_request', 'call_answered', 'call_ended'].entries()) {
      await d.client.publishAsync(deviceTopic(home.device.id, 'intercom'), JSON.stringify({ id: `ic-${i}`, ts: Date.now(), type, callId: 'c-900' }), { qos: 1 })
    }
    const { rows } = await p.db.query<{ type: string }>(`select type from inbox where device_id = $1 and kind = 'intercom' and payload->>'callId' = 'c-900' order by seq`, [home.device.id])
    expect(rows.map((r) => r.type)).toEqual(['call_request', 'call_answered', 'call_ended'])
    await d.end()
  })

  it('[P-2.3] keeps a skewed device time beside the gateway\'s receive time, marked clockSkew', async () => {
    const d = await connectDevice(p.mqttUrl, home.device)
    const skewed = Date.now() - 10 * 60_000
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-skew', ts: skewed, type: 'door_open' }), { qos: 1 })
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-noskew', ts: Date.now(), type: 'door_open' }), { qos: 1 })
    const [row] = await inbox(home.device.id, 'ev-skew')
    expect(row.clock_skew).toBe(true)
    expect(new Date(row.device_ts).getTime()).toBe(skewed)
    expect(Math.abs(new Date(row.received_at).getTime() - Date.now())).toBeLessThan(60_000)
    expect((await inbox(home.device.id, 'ev-noskew'))[0].clock_skew).toBe(false)
    await d.end()
  })

  it('[P-2.4] a message resent after a reconnect is acknowledged again, answered duplicate, and recorded once', async () => {
    const msg = JSON.stringify({ id: 'ev-again', ts: Date.now(), type: 'sos' })
    const first = await connectDevice(p.mqttUrl, home.device)
    await first.client.publishAsync(deviceTopic(home.device.id, 'events'), msg, { qos: 1 })
    await first.end()
    const second = await connectDevice(p.mqttUrl, home.device)
    await second.client.publishAsync(deviceTopic(home.device.id, 'events'), msg, { qos: 1 }) // PUBACKed
    await eventually(async () => second.errors.length > 0, 5000, 'duplicate answer')
    expect(second.errors[0]).toMatchObject({ code: 'duplicate', ref: 'ev-again' })
    expect(await inbox(home.device.id, 'ev-again')).toHaveLength(1)
    await second.end()
  })

  it('[P-3.1][P-3.7] rejects out-of-range, unknown-type and oversized payloads with their codes and stores nothing', async () => {
    const d = await connectDevice(p.mqttUrl, home.device)
    await d.client.publishAsync(deviceTopic(home.device.id, 'telemetry'), JSON.stringify({ id: 'tm-hot', ts: Date.now(), vitals: { temp: 98.6 } }), { qos: 1 })
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-boom', ts: Date.now(), type: 'explosion' }), { qos: 1 })
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'ev-big', ts: Date.now(), type: 'fall', location: 'x'.repeat(20_000) }), { qos: 1 })
    await d.client.publishAsync(deviceTopic(home.device.id, 'commands/ack'), JSON.stringify({ id: 'cmd-x', ts: Date.now() }), { qos: 1 })
    await eventually(async () => d.errors.length >= 4, 5000, 'four answers')
    expect(d.errors.map((e) => [e.code, e.ref])).toEqual([['out_of_range', 'tm-hot'], ['unknown_type', 'ev-boom'], ['too_large', null], ['invalid_payload', 'cmd-x']])
    expect(d.errors[0].message).toContain('vitals.temp')
    expect(await inbox(home.device.id, 'ev-boom')).toHaveLength(0)
    expect(await inbox(home.device.id, 'ev-big')).toHaveLength(0)
    await d.end()
  })
})

describe('[P-2.5] ACL', () => {
  it('refuses publishing for another device, answered unauthorized_topic and logged with the device id', async () => {
    const other = await seedHome(p.api)
    const d = await connectDevice(p.mqttUrl, home.device)
    await d.client.publishAsync(deviceTopic(other.device.id, 'events'), JSON.stringify({ id: 'spoof', ts: Date.now(), type: 'fall' }), { qos: 1 })
    await d.client.publishAsync(deviceTopic(home.device.id, 'commands'), JSON.stringify({ id: 'self-cmd', ts: Date.now(), type: 'speak' }), { qos: 1 })
    await d.client.publishAsync('some/other/topic', 'x', { qos: 1 })
    await eventually(async () => d.errors.length >= 3, 5000, 'three refusals')
    expect(d.errors.map((e) => e.code)).toEqual(['unauthorized_topic', 'unauthorized_topic', 'unauthorized_topic'])
    expect(await inbox(other.device.id, 'spoof')).toHaveLength(0)
    expect(log.lines.some((l) => l.deviceId === home.device.id && l.code === 'unauthorized_topic' && l.topic === deviceTopic(other.device.id, 'events'))).toBe(true)
    await d.end()
  })

  it('refuses a will set on another device\'s status topic', async () => {
    const victim = await seedHome(p.api)
    const guard = await connectDevice(p.mqttUrl, victim.device, { subscribeErrors: false })
    await eventually(async () => (await deviceRow(victim.device.id)).online === true, 5000, 'victim online')
    const d = await connectDevice(p.mqttUrl, home.device, { will: { topic: deviceTopic(victim.device.id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true } })
    d.client.stream.destroy() // the will fires, and is checked like any publish
    await eventually(async () => log.lines.some((l) => l.deviceId === home.device.id && l.code === 'unauthorized_topic' && l.topic === deviceTopic(victim.device.id, 'status')), 5000, 'will refused')
    await p.gateway['presence'].flush()
    expect((await deviceRow(victim.device.id)).online).toBe(true)
    await guard.end()
  })

  it('refuses wildcard subscriptions and subscriptions outside its own commands and errors', async () => {
    const other = await seedHome(p.api)
    const d = await connectDevice(p.mqttUrl, home.device)
    const granted = await subscribeGranted(d.client, [
      'care/v1/devices/+/commands', 'care/v1/devices/#', deviceTopic(other.device.id, 'commands'), deviceTopic(home.device.id, 'telemetry'), '$rejected/#', deviceTopic(home.device.id, 'commands')
    ])
    expect(granted).toEqual([128, 128, 128, 128, 128, 1])
    await eventually(async () => d.errors.length >= 5, 5000, 'five refusals')
    expect(d.errors.every((e) => e.code === 'unauthorized_topic')).toBe(true)
    expect(d.errors[0].message).toMatch(/wildcard/)
    await d.end()
  })
})

describe('[P-1.5] hubs', () => {
  it('relays for its registered children — publish and subscribe — and for no one else', async () => {
    const hubHome = await seedHome(p.api, { deviceType: 'hub' })
    const child = await p.api.post('/api/devices', { type: 'bed_sensor', siteId: hubHome.siteId, parentId: hubHome.device.id })
    const stranger = await seedHome(p.api)
    const hub = await connectDevice(p.mqttUrl, hubHome.device)
    const granted = await subscribeGranted(hub.client, [deviceTopic(child.id, 'commands'), deviceTopic(child.id, 'errors'), deviceTopic(stranger.device.id, 'commands')])
    expect(granted).toEqual([1, 1, 128])
    await hub.client.publishAsync(deviceTopic(child.id, 'events'), JSON.stringify({ id: 'bx-1', ts: Date.now(), type: 'bed_exit' }), { qos: 1 })
    expect(await inbox(child.id, 'bx-1')).toHaveLength(1)
    await hub.client.publishAsync(deviceTopic(stranger.device.id, 'events'), JSON.stringify({ id: 'bx-2', ts: Date.now(), type: 'fall' }), { qos: 1 })
    await eventually(async () => hub.errors.some((e) => e.code === 'unauthorized_topic'), 5000, 'refusal for a stranger')
    expect(await inbox(stranger.device.id, 'bx-2')).toHaveLength(0)
    // a child's rejection is answered on the child's errors topic, which the hub reads
    await hub.client.publishAsync(deviceTopic(child.id, 'events'), '{"id":', { qos: 1 })
    await eventually(async () => hub.received.some((m) => m.topic === deviceTopic(child.id, 'errors')), 5000, 'error for the child')
    // commands to the child reach the hub
    const cmd = await p.api.post(`/api/devices/${child.id}/commands`, { type: 'test.request' })
    await eventually(async () => hub.received.some((m) => m.topic === deviceTopic(child.id, 'commands') && JSON.parse(m.payload.toString()).id === cmd.id), 5000, 'command relayed to the hub')
    await hub.end()
    // [P-4.4] the hub's connection dropped: its children are unreachable too
    await eventually(async () => (await deviceRow(child.id)).online === false, 5000, 'child offline with its hub')
  })
})

describe('[P-4.4] presence', () => {
  it('is online on connect; status updates battery, rssi and fw; the will marks it offline and tells operators', async () => {
    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const online = nextEvent(socket, 'device:status', (s: DeviceStatusDto) => s.id === home.device.id && s.online)
    const d = await connectDevice(p.mqttUrl, home.device, { will: { topic: deviceTopic(home.device.id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true } })
    await d.client.publishAsync(deviceTopic(home.device.id, 'status'), JSON.stringify({ online: true, ts: Date.now(), battery: 55, rssi: -70, fw: '2.0.1' }), { qos: 1, retain: true })
    await online
    await eventually(async () => {
      const r = await deviceRow(home.device.id)
      return r.online === true && r.battery === 55 && r.rssi === -70 && r.fw === '2.0.1' && r.last_seen_at !== null
    }, 5000, 'presence written in its batch')
    const offline = nextEvent(socket, 'device:status', (s: DeviceStatusDto) => s.id === home.device.id && !s.online, 10_000)
    d.client.stream.destroy() // the connection drops without DISCONNECT: the will is published
    expect(await offline).toMatchObject({ id: home.device.id, online: false })
    await eventually(async () => (await deviceRow(home.device.id)).online === false, 5000, 'offline written')
    socket.close()
  })

  it('goes offline when a connection falls silent beyond its keepalive', async () => {
    // keepalive 1 s and no pings: the client's own keepalive timer is stopped
    const d = await connectDevice(p.mqttUrl, home.device, { keepalive: 1, subscribeErrors: false })
    await eventually(async () => (await deviceRow(home.device.id)).online === true, 5000, 'online')
    ;(d.client as unknown as { keepaliveManager?: { destroy(): void } }).keepaliveManager?.destroy()
    await eventually(async () => (await deviceRow(home.device.id)).online === false, 10_000, 'offline after keepalive')
    expect(log.lines.some((l) => l.deviceId === home.device.id && l.msg === 'keepalive expired')).toBe(true)
    await d.end()
  })
})

describe('[P-3.5][P-4.5] commands', () => {
  /** Subscribes to commands in a persistent session, then goes offline: commands now queue. */
  async function leavePersistentSession (): Promise<void> {
    const first = await connectDevice(p.mqttUrl, home.device, { clean: false })
    await first.client.subscribeAsync(deviceTopic(home.device.id, 'commands'), { qos: 1 })
    await first.end()
    await eventually(async () => !(p.gateway.broker as unknown as { clients: Record<string, unknown> }).clients[home.device.id], 5000, 'session offline')
  }

  it('queues a command for an offline persistent session and delivers it on reconnect; the ack moves it to acked', async () => {
    await leavePersistentSession()
    const cmd = await p.api.post(`/api/devices/${home.device.id}/commands`, { type: 'speak', args: { text: '请稍候' } })
    expect(cmd.status).toBe('sent')
    expect(cmd.deliveredAt).toBeNull()
    const back = await connectDevice(p.mqttUrl, home.device, { clean: false })
    const got = await eventually(async () => back.received.find((m) => m.topic.endsWith('/commands')), 5000, 'queued command delivered')
    expect(JSON.parse(got.payload.toString())).toMatchObject({ id: cmd.id, type: 'speak', args: { text: '请稍候' } })
    await eventually(async () => (await p.api.get(`/api/commands/${cmd.id}`)).deliveredAt !== null, 5000, 'delivery recorded')
    await back.client.publishAsync(deviceTopic(home.device.id, 'commands/ack'), JSON.stringify({ id: cmd.id, ts: Date.now(), ok: true }), { qos: 1 })
    expect((await p.api.get(`/api/commands/${cmd.id}`)).status).toBe('acked')
    await back.end()
  })

  it('[P-3.6] a failed command carries its error; an unanswered one is timed_out', async () => {
    const d = await connectDevice(p.mqttUrl, home.device, { clean: false })
    await d.client.subscribeAsync(deviceTopic(home.device.id, 'commands'), { qos: 1 })
    const failed = await p.api.post(`/api/devices/${home.device.id}/commands`, { type: 'intercom.answer' })
    const ignored = await p.api.post(`/api/devices/${home.device.id}/commands`, { type: 'test.request' })
    await eventually(async () => d.received.filter((m) => m.topic.endsWith('/commands')).length >= 2, 5000, 'both delivered')
    await d.client.publishAsync(deviceTopic(home.device.id, 'commands/ack'), JSON.stringify({ id: failed.id, ts: Date.now(), ok: false, error: 'busy' }), { qos: 1 })
    expect(await p.api.get(`/api/commands/${failed.id}`)).toMatchObject({ status: 'failed', error: 'busy' })
    await eventually(async () => { await p.app.commands.sweep(); return (await p.api.get(`/api/commands/${ignored.id}`)).status === 'timed_out' }, 10_000, 'timed out')
    // a late ack changes nothing
    await d.client.publishAsync(deviceTopic(home.device.id, 'commands/ack'), JSON.stringify({ id: ignored.id, ts: Date.now(), ok: true }), { qos: 1 })
    expect((await p.api.get(`/api/commands/${ignored.id}`)).status).toBe('timed_out')
    await d.end()
  })

  it('does not deliver a command that expired while the device was offline', async () => {
    await leavePersistentSession()
    const cmd = await p.api.post(`/api/devices/${home.device.id}/commands`, { type: 'alarm.ack', args: { incident: 'x' } })
    await new Promise((r) => setTimeout(r, 3500)) // expiryMs is 3000 in this platform
    const back = await connectDevice(p.mqttUrl, home.device, { clean: false })
    await new Promise((r) => setTimeout(r, 500))
    expect(back.received.filter((m) => m.topic.endsWith('/commands'))).toEqual([])
    await p.app.commands.sweep()
    expect(await p.api.get(`/api/commands/${cmd.id}`)).toMatchObject({ status: 'timed_out', deliveredAt: null })
    await back.end()
  })
})

describe('metrics', () => {
  it('counts accepted, duplicate and rejected messages by kind and code, inbox write latency and commands by status', async () => {
    const text = await metrics()
    expect(text).toMatch(/eldercare_gateway_messages_total\{kind="events",outcome="accepted",code=""\} [1-9]/)
    expect(text).toMatch(/eldercare_gateway_messages_total\{kind="events",outcome="duplicate",code=""\} [1-9]/)
    expect(text).toMatch(/eldercare_gateway_messages_total\{kind="telemetry",outcome="rejected",code="out_of_range"\} 1/)
    expect(text).toMatch(/eldercare_gateway_messages_total\{kind="events",outcome="rejected",code="unauthorized_topic"\} [1-9]/)
    expect(text).toMatch(/eldercare_gateway_inbox_write_seconds_count\{kind="events"\} [1-9]/)
    expect(text).toMatch(/eldercare_commands\{status="acked"\} [1-9]/)
    expect(text).toMatch(/eldercare_commands\{status="timed_out"\} [1-9]/)
    expect(text).toMatch(/eldercare_gateway_connected_devices \d+/)
  })
})
