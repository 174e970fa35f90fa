/**
 * One load process of `npm run bench:alarms` (run as a child, so the generator never shares an
 * event loop with the server it measures). It holds a slice of the fleet as plain MQTT 3.1.1
 * connections (mqtt-packet over TCP: a few KiB per device, where MQTT.js costs tens), sends each
 * device's telemetry on a fixed open-loop schedule, and — when it is the probe process — fires
 * the falls on schedule and watches where they arrive: an operator's socket.io `incident:opened`
 * (the platform) or an MQTT subscriber on `events` (Mosquitto). Send and arrival are timed in
 * this one process, with one monotonic clock.
 *
 * Talks to the parent over IPC only (see WorkerCommand / WorkerReply in protocol.ts).
 */
import { connect as netConnect, type Socket } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import mqttPacket from 'mqtt-packet'
import { io } from 'socket.io-client'
import { deviceTopic } from '@eldercare/protocols'
import type { AlarmRecord, BenchDevice, ProbeSpec, StormRecord, WorkerCommand, WorkerReply } from './protocol.ts'

const send = (m: WorkerReply) => { process.send?.(m) }

interface Conn {
  dev: BenchDevice
  socket: Socket
  connected: boolean
  nextPacketId: number
  /** packet id → what to do on its PUBACK */
  inflight: Map<number, () => void>
  lastWrite: number
  seq: number
}

const conns: Conn[] = []
const counts = { telemetrySent: 0, telemetryAcked: 0, telemetryWhileDown: 0, connectFailures: 0, socketErrors: 0, closedDuringRun: 0 }
const alarms = new Map<string, AlarmRecord>() // device id → its one alarm of the run
let running = false
/** this process's storm of the run, when it was told to make one */
let storm: StormRecord | null = null
let stopProbe: () => void = () => {}

const now = () => performance.now()
/**
 * This process's own event-loop delay during the run: a PUBLISH is stamped when its tick runs and
 * an arrival when its callback runs, so a late turn here counts in every latency measured here.
 */
const ownLag = monitorEventLoopDelay({ resolution: 5 })

function writePacket (c: Conn, packet: Parameters<typeof mqttPacket.generate>[0]): void {
  c.lastWrite = now()
  c.socket.write(mqttPacket.generate(packet))
}

function publish (c: Conn, topic: string, payload: string, qos: 0 | 1, onAck?: () => void): void {
  if (!c.connected) return
  let messageId: number | undefined
  if (qos === 1) {
    messageId = c.nextPacketId
    c.nextPacketId = c.nextPacketId >= 65535 ? 1 : c.nextPacketId + 1
    c.inflight.set(messageId, onAck ?? (() => {}))
  }
  writePacket(c, { cmd: 'publish', topic, payload, qos, retain: false, dup: false, messageId })
}

/** Where the fleet connects (kept for a storm's reconnects). */
let target = { host: '127.0.0.1', port: 0, keepaliveS: 60 }

function connectOne (dev: BenchDevice, clean: boolean): Promise<Conn> {
  const c: Conn = { dev, socket: null as unknown as Socket, connected: false, nextPacketId: 1, inflight: new Map(), lastWrite: now(), seq: 0 }
  return open(c, clean).then(() => c)
}

/** Opens (or reopens) `c`'s connection; resolves on CONNACK 0, after the status and the commands subscription are on their way. */
function open (c: Conn, clean: boolean): Promise<void> {
  const { dev } = c
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: target.host, port: target.port })
    socket.setNoDelay(true)
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    c.socket = socket
    c.connected = false
    c.inflight = new Map()
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`${dev.id}: no CONNACK within 30 s`)) }, 30_000)
    parser.on('packet', (p: any) => {
      if (p.cmd === 'connack') {
        clearTimeout(timer)
        if (p.returnCode !== 0) { socket.destroy(); reject(new Error(`${dev.id}: CONNACK ${p.returnCode}`)); return }
        c.connected = true
        // [P-1.4] as firmware does: retained online status, and the commands subscription
        publish(c, deviceTopic(dev.id, 'status'), JSON.stringify({ online: true, ts: Date.now() }), 1)
        writePacket(c, { cmd: 'subscribe', messageId: 65535, subscriptions: [{ topic: deviceTopic(dev.id, 'commands'), qos: 1 }] })
        resolve()
      } else if (p.cmd === 'puback') {
        const done = c.inflight.get(p.messageId)
        if (done) { c.inflight.delete(p.messageId); done() }
      } else if (p.cmd === 'publish' && p.qos === 1) {
        writePacket(c, { cmd: 'puback', messageId: p.messageId })
      }
    })
    socket.on('data', (b) => parser.parse(b))
    socket.on('error', () => { counts.socketErrors++ })
    socket.on('close', () => {
      clearTimeout(timer)
      if (c.socket !== socket) return // a storm's cut: this connection was dropped on purpose
      if (c.connected && running) counts.closedDuringRun++
      c.connected = false
      reject(new Error(`${dev.id}: connection closed`))
    })
    writePacket(c, {
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: dev.id, username: dev.id, password: Buffer.from(dev.secret),
      clean, keepalive: target.keepaliveS,
      will: { topic: deviceTopic(dev.id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
    })
  })
}

/** Runs `fn` over `items` with at most `width` calls in flight (handshakes: the first connect, a storm's reconnects). */
async function atMostInFlight<T> (items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const one = async () => { while (next < items.length) await fn(items[next++]!) }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, one))
}

/** Connects `devices` with at most `width` handshakes in flight. */
async function connectAll (devices: BenchDevice[], width: number): Promise<void> {
  const { keepaliveS } = target
  // Idle devices (while the rest connect, before and after the run) keep their connection alive [P-1.4].
  setInterval(() => {
    const t = now()
    for (const c of conns) if (c.connected && t - c.lastWrite > (keepaliveS * 1000) / 2) writePacket(c, { cmd: 'pingreq' })
  }, 1000).unref()
  await atMostInFlight(devices, width, async (dev) => {
    try { conns.push(await connectOne(dev, false)) } catch { counts.connectFailures++ }
  })
}

async function startProbe (spec: ProbeSpec): Promise<void> {
  const arrived = (deviceId: string) => {
    const t = now()
    const rec = alarms.get(deviceId)
    if (!rec) return
    rec.arrivals++
    if (rec.arrivedMs === null) rec.arrivedMs = t - rec.sentAt
  }
  if (spec.kind === 'socketio') {
    const socket = io(spec.httpUrl, { auth: { token: spec.token }, transports: ['websocket'], reconnection: true })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', (err) => reject(new Error(`socket.io at ${spec.httpUrl}: ${err.message}`)))
    })
    socket.on('incident:opened', (inc: { deviceId: string | null }) => { if (inc.deviceId) arrived(inc.deviceId) })
    stopProbe = () => { socket.close() }
    return
  }
  // One plain MQTT subscriber on every device's events topic: what a broker alone costs.
  const socket = netConnect({ host: spec.host, port: spec.port })
  socket.setNoDelay(true)
  const parser = mqttPacket.parser({ protocolVersion: 4 })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    parser.on('packet', (p: any) => {
      if (p.cmd === 'connack') socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: deviceTopic('+', 'events'), qos: 1 }] }))
      else if (p.cmd === 'suback') resolve()
      else if (p.cmd === 'publish') {
        const id = String(p.topic).split('/')[3]
        arrived(id)
        if (p.qos === 1) socket.write(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId }))
      }
    })
    socket.on('data', (b) => parser.parse(b))
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `bench-sub-${process.pid}`, clean: true, keepalive: 60 }))
  })
  const ping = setInterval(() => socket.write(mqttPacket.generate({ cmd: 'pingreq' })), 20_000)
  stopProbe = () => { clearInterval(ping); socket.destroy() }
}

/**
 * A storm: every connection of this process is dropped at once, without DISCONNECT (a district's
 * network or power cut: the server publishes each will) — or, `silent`, left open without a byte
 * more (a NAT rebinding, a cut that sends no FIN: the server still holds each session, and each
 * reconnect takes it over [MQTT-3.1.4-2], the server closing the old one) — then after `downMs` all reconnect with
 * at most `width` handshakes in flight (as firmware with a fixed retry period does, all together),
 * send their retained online status and subscribe again; then their telemetry resumes.
 */
function cut (spec: NonNullable<Extract<WorkerCommand, { type: 'run' }>['storm']>, atMs: number): void {
  const cutAt = now()
  const rec: StormRecord = { cutAtMs: atMs, cut: 0, reconnected: 0, failed: 0, failedWhy: {}, doneMs: null, connackMs: [] }
  storm = rec
  const down = conns.filter((c) => c.connected)
  rec.cut = down.length
  for (const c of down) {
    c.connected = false
    const socket = c.socket
    c.socket = null as unknown as Socket // its close is not a loss of the run (open() checks)
    if (spec.silent) socket.pause() // nothing read or written on it again; the server closes it at the takeover
    else socket.destroy()
  }
  setTimeout(() => {
    void atMostInFlight(down, spec.width, async (c) => {
      const t0 = now()
      try {
        await open(c, false)
        rec.connackMs.push(now() - t0)
        rec.reconnected++
      } catch (err) {
        rec.failed++
        const why = (err as Error).message.replace(`${c.dev.id}: `, '')
        rec.failedWhy[why] = (rec.failedWhy[why] ?? 0) + 1
      }
    }).then(() => { rec.doneMs = now() - cutAt })
  }, spec.downMs)
}

/**
 * Telemetry: every device once per period, phases spread evenly over the period (open loop: a
 * late tick catches up, so the offered rate holds whatever the replies). Falls: at their offsets.
 */
function run (cmd: Extract<WorkerCommand, { type: 'run' }>): void {
  running = true
  ownLag.reset()
  ownLag.enable()
  const live = conns.filter((c) => c.connected)
  const periodMs = cmd.telemetryPerDeviceHz > 0 ? 1000 / cmd.telemetryPerDeviceHz : Infinity
  const byId = new Map(live.map((c) => [c.dev.id, c]))
  const start = now()
  const end = start + cmd.durationMs
  let sentUpTo = 0 // telemetry slots sent so far (slot k = device k % n in period floor(k / n))
  let nextAlarm = 0
  const telemetry = (c: Conn) => {
    // a device cut by the storm and not yet back sends nothing (firmware would buffer it [P-2.3a])
    if (!c.connected) { counts.telemetryWhileDown++; return }
    c.seq++
    counts.telemetrySent++
    const hr = 55 + ((c.seq * 7) % 40)
    publish(c, deviceTopic(c.dev.id, 'telemetry'), JSON.stringify({ id: `${cmd.tag}-t${c.seq}`, ts: Date.now(), vitals: { hr, spo2: 96 } }), cmd.telemetryQos,
      () => { counts.telemetryAcked++ })
  }
  const fire = (i: number) => {
    const a = cmd.alarms[i]
    const c = byId.get(a.deviceId)
    const rec: AlarmRecord = { deviceId: a.deviceId, sentAt: now(), ackedMs: null, arrivedMs: null, arrivals: 0, sent: false }
    alarms.set(a.deviceId, rec)
    if (!c) return
    rec.sent = true
    publish(c, deviceTopic(c.dev.id, 'events'), JSON.stringify({ id: `${cmd.tag}-fall`, ts: Date.now(), type: 'fall', confidence: 0.9 }), 1,
      () => { rec.ackedMs = now() - rec.sentAt })
  }
  const tick = () => {
    const t = now()
    const elapsed = Math.min(t, end) - start
    if (cmd.storm && storm === null && elapsed >= cmd.storm.atMs) cut(cmd.storm, t - start)
    // falls first: they are what is measured
    while (nextAlarm < cmd.alarms.length && cmd.alarms[nextAlarm].atMs <= elapsed) fire(nextAlarm++)
    if (live.length > 0 && periodMs !== Infinity) {
      const due = Math.floor((elapsed / periodMs) * live.length)
      for (; sentUpTo < due; sentUpTo++) telemetry(live[sentUpTo % live.length])
    }
    if (t >= end) {
      clearInterval(timer)
      ownLag.disable()
      running = false
      const runS = (now() - start) / 1000
      send({ type: 'ran', runS, telemetrySent: counts.telemetrySent })
    }
  }
  const timer = setInterval(tick, 2)
}

process.on('message', (m: WorkerCommand) => {
  void (async () => {
    try {
      if (m.type === 'connect') {
        target = { host: m.host, port: m.port, keepaliveS: m.keepaliveS }
        await connectAll(m.devices, m.width)
        send({ type: 'connected', connected: conns.filter((c) => c.connected).length, failed: counts.connectFailures })
      } else if (m.type === 'probe') {
        await startProbe(m.probe)
        send({ type: 'probeReady' })
      } else if (m.type === 'run') {
        run(m)
      } else if (m.type === 'collect') {
        send({
          type: 'collected', counts: { ...counts }, alarms: [...alarms.values()], storm, unackedTelemetry: conns.reduce((n, c) => n + c.inflight.size, 0),
          loopLagP99Ms: ownLag.count > 0 ? Math.round(ownLag.percentile(99) / 1e4) / 100 : null
        })
      } else if (m.type === 'stop') {
        stopProbe()
        for (const c of conns) { if (c.connected) c.socket.end(mqttPacket.generate({ cmd: 'disconnect' })); c.socket.destroy() }
        process.disconnect?.()
        setTimeout(() => process.exit(0), 200).unref()
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).message })
    }
  })()
})
process.on('disconnect', () => process.exit(0))
