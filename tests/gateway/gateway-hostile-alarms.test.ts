/**
 * Issue 12 over real TCP against the embedded platform: no device input makes the gateway lose,
 * loop on, or forget an alarm. Each hostile alarm is answered per docs/gateway.md's
 * "PUBLISH → PUBACK" table; keepalive is bounded [P-1.4]; the idempotency window [P-2.4];
 * a secret rotation closes the device's live session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { deviceTopic } from '@eldercare/protocols'
import { hashDeviceSecret } from '@eldercare/common'
import { connectDevice, logSink } from '../support/devices.ts'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'
import { RawDevice } from './raw-device.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('hostile alarms', () => {
  let p: TestPlatform
  let home: SeededHome
  const log = logSink()

  beforeAll(async () => {
    p = await startTestPlatform({}, { logger: pino({ level: 'info' }, log) })
    await p.api.login()
    home = await seedHome(p.api)
  })
  afterAll(async () => { await p?.close() })

  const rows = async (msgId: string) =>
    (await p.db.query<Record<string, any>>('select * from inbox where device_id = $1 and msg_id = $2', [home.device.id, msgId])).rows

  /** Sends one alarm, waits for its PUBACK and a moment for any answer; the connection must stay. */
  async function sendOnce (body: Record<string, unknown>): Promise<{ errors: ReturnType<RawDevice['errors']>, device: RawDevice }> {
    const { device } = await RawDevice.connect(p.ports.mqtt, home.device)
    await device.subscribe(deviceTopic(home.device.id, 'errors'))
    await device.puback(device.send(deviceTopic(home.device.id, 'events'), body))
    await sleep(300)
    // no resend loop: the connection was not closed, so the device has no reason to resend
    expect(device.socket.destroyed).toBe(false)
    const errors = device.errors()
    device.end()
    return { errors, device }
  }

  it('[P-2.3a] a fall whose id holds a NUL is answered invalid_payload and PUBACKed; nothing is stored', async () => {
    const { errors } = await sendOnce({ id: 'nul\u0000id', ts: Date.now(), type: 'fall' })
    // [P-3.7] ref is the id "when it could be read": an id holding a NUL is no MessageId (the errors schema's ref), so null
    expect(errors).toEqual([expect.objectContaining({ ref: null, code: 'invalid_payload', message: expect.stringContaining('events.id') })])
    expect((await p.db.query('select 1 from inbox where device_id = $1 and msg_id like $2', [home.device.id, 'nul%'])).rows).toEqual([])
  })

  it('[P-2.3a] a fall whose id holds a lone UTF-16 surrogate is answered invalid_payload and PUBACKed', async () => {
    const { errors } = await sendOnce({ id: 'sur\ud800', ts: Date.now(), type: 'fall' })
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_payload', message: expect.stringContaining('surrogate') })])
  })

  it('[P-2.3a] a fall whose location holds a NUL is recorded without it; invalid_payload names the field', async () => {
    const { errors } = await sendOnce({ id: 'h-loc', ts: Date.now(), type: 'fall', location: 'bath\u0000room' })
    expect(errors).toEqual([expect.objectContaining({ ref: 'h-loc', code: 'invalid_payload', message: expect.stringContaining('events.location') })])
    const [row] = await rows('h-loc')
    expect(row.type).toBe('fall')
    expect(row.payload).not.toHaveProperty('location')
  })

  it('[P-2.3] a fall dated in the year 10000 is recorded at the receive time, marked clockSkew', async () => {
    const before = Date.now()
    const { errors } = await sendOnce({ id: 'h-y10k', ts: Date.UTC(10000, 0, 1), type: 'fall' })
    expect(errors).toEqual([])
    const [row] = await rows('h-y10k')
    expect(row).toMatchObject({ clock_skew: true, device_ts: null })
    expect(new Date(row.received_at).getTime()).toBeGreaterThanOrEqual(before - 1000)
  })

  it('[P-2.3] an sos with ts -1 is recorded at the receive time, marked clockSkew, and opens an incident', async () => {
    const { errors } = await sendOnce({ id: 'h-neg', ts: -1, type: 'sos' })
    expect(errors).toEqual([])
    expect((await rows('h-neg'))[0]).toMatchObject({ clock_skew: true, device_ts: null })
    await eventually(async () => (await rows('h-neg'))[0]?.incident_id, 10_000, 'incident opened for the sos')
  })

  it('[P-2.3][P-2.3a] an MQTT.js device that reconnects by itself sends every hostile alarm once: each PUBACKed, no reconnect, no resend', async () => {
    const d = await connectDevice(p.mqttUrl, home.device, { clean: false, reconnectPeriod: 100 })
    let reconnects = 0
    d.client.on('reconnect', () => { reconnects++ })
    const hostile = [
      { id: 'js-nul\u0000', ts: Date.now(), type: 'fall' },
      { id: 'js-sur\udfff', ts: Date.now(), type: 'fall' },
      { id: 'js-loc', ts: Date.now(), type: 'fall', location: '\u0000' },
      { id: 'js-y10k', ts: Date.UTC(10000, 0, 1), type: 'fall' },
      { id: 'js-neg', ts: -1, type: 'sos' }
    ]
    for (const body of hostile) await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify(body), { qos: 1 })
    await sleep(1000)
    expect(reconnects).toBe(0)
    expect(d.client.connected).toBe(true)
    const stored = (await p.db.query<{ msg_id: string }>(`select msg_id from inbox where device_id = $1 and msg_id like 'js-%' order by msg_id`, [home.device.id])).rows
    expect(stored.map((r) => r.msg_id)).toEqual(['js-loc', 'js-neg', 'js-y10k'])
    expect(d.errors.map((e) => e.code)).toEqual(['invalid_payload', 'invalid_payload', 'invalid_payload'])
    await d.end()
  })

  it('[P-1.4] keepalive 0 and above 60 s are refused at CONNECT (closed without a CONNACK, [MQTT-3.2.2-6]); 60 s is accepted', async () => {
    for (const keepalive of [0, 61, 3600]) {
      const { device, returnCode } = await RawDevice.connect(p.ports.mqtt, home.device, { keepalive })
      // MQTT 3.1.1 has no return code for a keepalive refusal (aedes' 6 is undefined in 3.1.1)
      expect(returnCode, `keepalive ${keepalive}`).toBeNull()
      await device.closed
    }
    const ok = await RawDevice.connect(p.ports.mqtt, home.device, { keepalive: 60 })
    expect(ok.returnCode).toBe(0)
    ok.device.end()
    expect(log.lines.some((l) => l.err === 'GW_ERR_KEEPALIVE')).toBe(true)
  })

  it('[P-1.2] a cached device record never outlives its secret: a secret changed behind the cache is read again at once', async () => {
    const dev = await seedHome(p.api)
    const first = await RawDevice.connect(p.ports.mqtt, dev.device) // caches the record
    expect(first.returnCode).toBe(0)
    first.device.end()
    // changed in the registry without telling the gateway (as another platform node might)
    await p.db.query('update devices set secret_hash = $2 where id = $1', [dev.device.id, hashDeviceSecret('a-new-secret-0123456789abcdef')])
    const fresh = await RawDevice.connect(p.ports.mqtt, { id: dev.device.id, secret: 'a-new-secret-0123456789abcdef' })
    expect(fresh.returnCode).toBe(0)
    fresh.device.end()
  })

  it('[P-1.2] rotating a device secret closes its live connection at once; the old secret is refused', async () => {
    const dev = await seedHome(p.api)
    const { device } = await RawDevice.connect(p.ports.mqtt, dev.device)
    const rotated = await p.api.post<{ secret: string }>(`/api/devices/${dev.device.id}/rotate-secret`, {})
    await Promise.race([device.closed, sleep(2000).then(() => { throw new Error('connection not closed after rotation') })])
    const old = await RawDevice.connect(p.ports.mqtt, dev.device)
    expect(old.returnCode).toBe(4)
    const fresh = await RawDevice.connect(p.ports.mqtt, { id: dev.device.id, secret: rotated.secret })
    expect(fresh.returnCode).toBe(0)
    fresh.device.end()
  })
})

describe('[P-2.4] the idempotency window', () => {
  let p: TestPlatform
  let home: SeededHome
  const log = logSink()

  beforeAll(async () => {
    // a 3 s window pruned every 250 ms, so the test need not wait a week
    p = await startTestPlatform({}, { logger: pino({ level: 'info' }, log), gateway: { idempotency: { windowMs: 3000, intervalMs: 250 } } })
    await p.api.login()
    home = await seedHome(p.api)
  })
  afterAll(async () => { await p?.close() })

  const rows = async (msgId: string) =>
    (await p.db.query<Record<string, any>>('select * from inbox where device_id = $1 and msg_id = $2 order by seq', [home.device.id, msgId])).rows

  it('a redelivery inside the window is a duplicate; the id reused with another time is new and logged as a counter reset; after the window the id is new', async () => {
    const { device: d } = await RawDevice.connect(p.ports.mqtt, home.device)
    await d.subscribe(deviceTopic(home.device.id, 'errors'))
    const t1 = Date.now()
    const topic = deviceTopic(home.device.id, 'events')
    await d.puback(d.send(topic, { id: 'ctr-1', ts: t1, type: 'fall' }))
    await d.puback(d.send(topic, { id: 'ctr-1', ts: t1, type: 'fall' }))
    expect(await rows('ctr-1')).toHaveLength(1)
    await eventually(async () => d.errors().some((e) => e.code === 'duplicate' && e.ref === 'ctr-1'), 2000, 'duplicate answered')
    // the device rebooted and its counter restarted: same id, another time → a new alarm
    await d.puback(d.send(topic, { id: 'ctr-1', ts: t1 + 60_000, type: 'fall' }))
    expect(await rows('ctr-1')).toHaveLength(2)
    expect(log.lines.some((l) => l.msgId === 'ctr-1' && /suspected counter reset/.test(l.msg))).toBe(true)
    // once processed and past the window, the rows are pruned and the id is new again
    await eventually(async () => (await rows('ctr-1')).length === 0, 15_000, 'inbox pruned after the window')
    const duplicatesBefore = d.errors().filter((e) => e.code === 'duplicate').length
    await d.puback(d.send(topic, { id: 'ctr-1', ts: t1, type: 'fall' }))
    expect(await rows('ctr-1')).toHaveLength(1)
    await sleep(200)
    expect(d.errors().filter((e) => e.code === 'duplicate').length).toBe(duplicatesBefore)
    d.end()
  }, 40_000)
})
