/**
 * Presence written on change (issue 11): online/offline and battery reach the operator's console
 * and the device's row at once; `lastSeenAt` lives in memory, is written coarsely, is what the
 * API answers, and never goes backwards. Real stack: aedes over TCP, PGlite, socket.io.
 */
import { connect as netConnect } from 'node:net'
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import mqttPacket from 'mqtt-packet'
import { deviceTopic } from '@eldercare/protocols'
import { STATUS_TELL_EVERY_MS } from '@eldercare/platform'
import { connectDevice, connectPacket } from '../support/devices.ts'
import { eventually, nextEvent, seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'

let platform: TestPlatform | null = null
afterEach(async () => { await platform?.close(); platform = null })

/** The administrator's console, and the path of the area it hears (the whole city). */
async function adminConsole (p: TestPlatform) {
  await p.api.login()
  const [{ path }] = (await p.db.query<{ path: string }>("select a.path from users u join areas a on a.id = u.area_id where u.username = 'admin'")).rows
  return { path: path!, socket: await p.api.connectedSocket() }
}

/**
 * Tells `ids`' statuses with `tell` and waits until the console has them all, in order; answers how
 * many writes the server made to the console's TCP socket meanwhile (ws' under engine.io's
 * WebSocket transport).
 */
async function toldWithWrites (p: TestPlatform, socket: Awaited<ReturnType<typeof adminConsole>>['socket'], ids: string[], tell: (id: string) => void | Promise<void>): Promise<{ writes: number, ms: number }> {
  const engine = p.app.realtime.io.engine as unknown as { clients: Record<string, { transport: { name: string, socket: { _socket: import('node:net').Socket } } }> }
  const conns = Object.values(engine.clients)
  expect(conns).toHaveLength(1)
  expect(conns[0]!.transport.name).toBe('websocket')
  const raw = conns[0]!.transport.socket._socket
  let writes = 0
  for (const m of ['_write', '_writev'] as const) {
    const own = raw[m]!.bind(raw) as (...args: unknown[]) => void
    ;(raw as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => { writes++; own(...args) }
  }
  const got: string[] = []
  socket.on('device:status', (st) => { got.push(st.id) })
  const last = nextEvent(socket, 'device:status', (st) => st.id === ids.at(-1), 30_000)
  const started = performance.now()
  for (const id of ids) await tell(id)
  await last
  expect(got).toEqual(ids)
  return { writes, ms: performance.now() - started }
}

const row = async (p: TestPlatform, id: string) =>
  (await p.db.query<{ online: boolean, battery: number | null, last_seen_at: Date | null }>('select online, battery, last_seen_at from devices where id = $1', [id])).rows[0]

describe('presence on change', () => {
  it('[P-4.4] online, battery and offline reach the console and the row at once (no periodic flush in the way)', async () => {
    // the periodic (coarse) flush is an hour away: only the write-on-change path can update the row
    platform = await startTestPlatform({}, { gateway: { presenceFlushIntervalMs: 3_600_000 } })
    await platform.api.login()
    const home = await seedHome(platform.api)
    const id = home.device.id
    const socket = await platform.api.connectedSocket()
    try {
      const online = nextEvent(socket, 'device:status', (s) => s.id === id && s.online)
      const dev = await connectDevice(platform.mqttUrl, home.device)
      expect((await online).online).toBe(true)
      await eventually(async () => (await row(platform!, id))?.online === true, 2000, 'row online')

      const battery = nextEvent(socket, 'device:status', (s) => s.id === id && s.battery === 42)
      await dev.client.publishAsync(deviceTopic(id, 'status'), JSON.stringify({ online: true, ts: Date.now(), battery: 42 }), { qos: 1 })
      expect((await battery).online).toBe(true)
      await eventually(async () => (await row(platform!, id))?.battery === 42, 2000, 'row battery')
      expect((await platform.api.get(`/api/devices/${id}`)).battery).toBe(42)

      const offline = nextEvent(socket, 'device:status', (s) => s.id === id && !s.online)
      await dev.end()
      expect((await offline).online).toBe(false)
      await eventually(async () => (await row(platform!, id))?.online === false, 2000, 'row offline')
      expect((await platform.api.get(`/api/devices/${id}`)).online).toBe(false)
    } finally {
      socket.close()
    }
  })

  it('a storm of statuses reaches the console over several turns, each device\'s latest once; an incident meanwhile does not wait behind them', async () => {
    platform = await startTestPlatform()
    const { path, socket } = await adminConsole(platform)
    try {
      const got: Array<{ id: string, online: boolean }> = []
      socket.on('device:status', (st) => { got.push({ id: st.id, online: st.online }) })
      const storm = Array.from({ length: 5000 }, (_, i) => `storm-dev-${i}`)
      const lastStatus = nextEvent(socket, 'device:status', (st) => st.id === storm.at(-1), 30_000)
      const realtime = platform.app.realtime
      // a district's network cut: every device offline, then (before it is told) online again
      for (const id of storm) realtime.emitDeviceStatus({ id, online: false, battery: 50, lastSeenAt: null }, path)
      for (const id of storm) realtime.emitDeviceStatus({ id, online: true, battery: 50, lastSeenAt: null }, path)
      expect(realtime.statusesPending).toBe(5000)
      await immediate()
      // told in slices: 5,000 frames do not fit one turn's budget (4 ms)
      expect(realtime.statusesPending).toBeGreaterThan(0)
      expect(realtime.statusesPending).toBeLessThan(5000)
      const incident = nextEvent(socket, 'incident:opened', (inc) => inc.id === 'inc-storm')
      // the way IncidentEffects announces one (emitIncident → emitToPath), without the upper platforms' feeds
      realtime.emitToPath(path, 'incident:opened', { id: 'inc-storm' } as Parameters<typeof realtime.emitIncident>[1])
      await incident
      const toldBeforeIncident = got.length
      await lastStatus
      // the incident came while statuses were still waiting their turn
      expect(toldBeforeIncident).toBeLessThan(5000)
      expect(got).toEqual(storm.map((id) => ({ id, online: true })))
    } finally {
      socket.close()
    }
  })

  it('a burst of statuses reaches a console in a few writes, not a system call per status', async () => {
    platform = await startTestPlatform()
    const { path, socket } = await adminConsole(platform)
    try {
      const ids = Array.from({ length: 2000 }, (_, i) => `burst-dev-${i}`)
      const { writes } = await toldWithWrites(platform, socket, ids, (id) => { platform!.app.realtime.emitDeviceStatus({ id, online: false, battery: 50, lastSeenAt: null }, path) })
      // a write per status before (2,000); now a write for what a turn queued, and the turn's first
      expect(writes, `${writes} writes for ${ids.length} statuses`).toBeLessThan(ids.length / 10)
    } finally {
      socket.close()
    }
  })

  it('statuses that come a turn apart (a storm\'s reconnects) reach a console together; one after a quiet spell at once', async () => {
    platform = await startTestPlatform()
    const { path, socket } = await adminConsole(platform)
    try {
      const ids = Array.from({ length: 600 }, (_, i) => `trickle-dev-${i}`)
      const { writes, ms } = await toldWithWrites(platform, socket, ids, async (id) => {
        platform!.app.realtime.emitDeviceStatus({ id, online: true, battery: 50, lastSeenAt: null }, path)
        await immediate()
      })
      // a write per status before (600: each turn told its one); now a write or two per telling
      // turn, telling turns at least STATUS_TELL_EVERY_MS apart (8 writes here in ~130 ms; the bound
      // grows with the time taken, so a slow machine does not fail it: 600 would take 10 s)
      const bound = Math.max(ids.length / 10, 3 * Math.ceil(ms / STATUS_TELL_EVERY_MS))
      expect(writes, `${writes} writes for ${ids.length} statuses in ${ms.toFixed(0)} ms`).toBeLessThan(bound)

      // after a quiet spell, a status is told on the next turn, not held for the interval
      await sleep(STATUS_TELL_EVERY_MS * 2)
      const quiet = nextEvent(socket, 'device:status', (st) => st.id === 'quiet-dev')
      platform.app.realtime.emitDeviceStatus({ id: 'quiet-dev', online: false, battery: 50, lastSeenAt: null }, path)
      expect(platform.app.realtime.statusesPending).toBe(1)
      await immediate()
      expect(platform.app.realtime.statusesPending).toBe(0)
      await quiet
    } finally {
      socket.close()
    }
  })

  it('[P-4.4] a device silent longer than its keepalive bound goes offline, on the console and in its row', async () => {
    platform = await startTestPlatform({}, { gateway: { presenceFlushIntervalMs: 3_600_000 } })
    await platform.api.login()
    const home = await seedHome(platform.api)
    const id = home.device.id
    const socket = await platform.api.connectedSocket()
    const raw = netConnect({ host: '127.0.0.1', port: platform.ports.mqtt })
    try {
      const online = nextEvent(socket, 'device:status', (s) => s.id === id && s.online)
      // keepalive 1 s, and then not a byte more: MQTT 3.1.1 §3.1.2.10 allows 1.5 s of silence
      const parser = mqttPacket.parser({ protocolVersion: 4 })
      const connack = new Promise<number>((resolve) => parser.on('packet', (p: any) => { if (p.cmd === 'connack') resolve(p.returnCode) }))
      raw.on('data', (b) => parser.parse(b))
      raw.write(connectPacket(home.device, 1))
      expect(await connack).toBe(0)
      await online
      const silentSince = Date.now()
      const offline = await nextEvent(socket, 'device:status', (s) => s.id === id && !s.online, 10_000)
      expect(offline.online).toBe(false)
      expect(Date.now() - silentSince).toBeGreaterThanOrEqual(1000)
      await eventually(async () => (await row(platform!, id))?.online === false, 2000, 'row offline')
    } finally {
      raw.destroy()
      socket.close()
    }
  })

  it('[P-4.4][MQTT-3.1.4-2] a device that reconnects while its old connection is still open (a silent cut, a NAT rebinding) stays online, and no subscriber is told otherwise', async () => {
    let skip = 0 // the gateway's clock, moved on to let cached look-ups expire
    platform = await startTestPlatform({}, { gateway: { presenceFlushIntervalMs: 3_600_000, now: () => Date.now() + skip } })
    await platform.api.login()
    const home = await seedHome(platform.api)
    const id = home.device.id
    const socket = await platform.api.connectedSocket()
    const statuses: boolean[] = []
    socket.on('device:status', (s) => { if (s.id === id) statuses.push(s.online) })
    // an observer of the district is connected: the ingest of the old connection's will waits for the device's
    // area when it is no longer cached, so it can end after the new connection's CONNECT
    const observer = await platform.api.post<{ mqttUsername: string, secret: string }>('/api/observers', { username: 'takeover-rec', areaId: home.districtId })
    const recorder = await mqtt.connectAsync(platform.mqttUrl, { clientId: `${observer.mqttUsername}-1`, username: observer.mqttUsername, password: observer.secret, reconnectPeriod: 0 })
    await recorder.subscribeAsync('care/v1/devices/+/status', { qos: 0 })
    const recorded: string[] = []
    recorder.on('message', (topic, payload) => { if (topic === deviceTopic(id, 'status')) recorded.push(payload.toString()) })
    // firmware that leaves its presence to the connection and its will [P-1.4]: no status of its own on connect
    const will = { topic: deviceTopic(id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: true }
    const first = await connectDevice(platform.mqttUrl, home.device, { will, clean: false })
    await eventually(async () => statuses.includes(true), 5000, 'online')
    // a minute on, silent (the observers' cache of the device's area expired), and the database busy for a moment
    // (a report, say): the will's area look-up waits; the new CONNECT, its device record still cached, does not
    skip = 61_000
    const busy = platform.db.query('select pg_sleep(0.3)')
    // the same device again on a new connection: the broker closes the old one (its will, the device offline), then takes the new one
    const second = await connectDevice(platform.mqttUrl, home.device, { will, clean: false })
    await busy
    try {
      await eventually(async () => first.client.disconnected || !first.client.connected, 5000, 'the old connection closed by the broker')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      expect(second.client.connected).toBe(true)
      expect(statuses.at(-1), `statuses told: ${statuses.join(', ')}`).toBe(true)
      expect((await platform.api.get(`/api/devices/${id}`)).online).toBe(true)
      await eventually(async () => (await row(platform!, id))?.online === true, 2000, 'row online')
      // the old connection's will was no news: not passed on to subscribers, not kept as the retained status
      expect(statuses).not.toContain(false)
      expect(recorded, 'what the observer was told').toEqual([])
      const later = await mqtt.connectAsync(platform.mqttUrl, { clientId: `${observer.mqttUsername}-2`, username: observer.mqttUsername, password: observer.secret, reconnectPeriod: 0 })
      try {
        const retained: string[] = []
        later.on('message', (topic, payload) => { retained.push(payload.toString()) })
        await later.subscribeAsync(deviceTopic(id, 'status'), { qos: 1 })
        // aedes sends a retained message right after the SUBACK
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(retained, 'the retained status a later subscriber reads').toEqual([])
      } finally {
        await later.endAsync(true)
      }
    } finally {
      await first.end()
      await second.end()
      await recorder.endAsync(true)
      socket.close()
    }
  })

  it('[P-4.4] lastSeenAt: answered from memory, written coarsely, never backwards', async () => {
    let now = Date.now()
    platform = await startTestPlatform({}, { gateway: { now: () => now, presenceFlushIntervalMs: 100 } })
    await platform.api.login()
    const home = await seedHome(platform.api)
    const id = home.device.id
    const t0 = now
    const dev = await connectDevice(platform.mqttUrl, home.device)
    const telemetry = async () => {
      // a QoS 1 PUBLISH is acknowledged after the gateway handled it
      await dev.client.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify({ id: `t-${now}`, ts: Date.now(), vitals: { hr: 70 } }), { qos: 1 })
    }
    try {
      await eventually(async () => (await row(platform!, id))?.online === true, 2000, 'row online')

      now = t0 + 10_000
      await telemetry()
      expect((await platform.api.get(`/api/devices/${id}`)).lastSeenAt).toBe(new Date(t0 + 10_000).toISOString())
      // ten seconds of news is not worth a write: the row keeps the connect time
      await new Promise((r) => setTimeout(r, 300))
      expect((await row(platform, id)).last_seen_at!.getTime()).toBeLessThan(t0 + 10_000)

      // the clock steps back: the last sign of life does not
      now = t0 + 5_000
      await telemetry()
      expect((await platform.api.get(`/api/devices/${id}`)).lastSeenAt).toBe(new Date(t0 + 10_000).toISOString())
      expect((await platform.api.get<{ items: Array<{ id: string, lastSeenAt: string }> }>(`/api/devices?siteId=${home.siteId}`)).items.find((d) => d.id === id)?.lastSeenAt)
        .toBe(new Date(t0 + 10_000).toISOString())

      // a minute later it is written, in the next batch
      now = t0 + 75_000
      await telemetry()
      await eventually(async () => (await row(platform!, id)).last_seen_at?.getTime() === t0 + 75_000, 2000, 'coarse write')

      // going offline writes the exact last sign of life, even when the clock reads earlier
      now = t0 + 70_000
      await dev.end()
      await eventually(async () => (await row(platform!, id)).online === false, 2000, 'row offline')
      const after = await platform.api.get(`/api/devices/${id}`)
      expect(after.online).toBe(false)
      expect(after.lastSeenAt).toBe(new Date(t0 + 75_000).toISOString())
    } finally {
      await dev.end()
    }
  })
})
