/**
 * The device gateway: an aedes broker whose hooks authenticate every device, confine it
 * to its own topics, and run each upstream message through decode → normalise → record.
 */
import { EventEmitter } from 'node:events'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes'
import { pino, type Logger } from 'pino'
import { WebSocketServer, createWebSocketStream } from 'ws'
import {
  DEVICE_ID_PATTERN, decodeUpstream, deviceTopic, hasReading,
  type Command, type DeviceErrorCode, type DeviceErrorMessage, type DeviceStatusDto, type UpstreamKind
} from '@eldercare/protocols'
import { checkPublish, checkSubscribe, type DeviceSession } from './acl.ts'
import { DURABLE_KINDS, handlers, type Accepted, type HandlerContext } from './handlers/index.ts'
import { Presence } from './presence.ts'
import { Observers, isObserverLogin, observerSubscribeRefusal } from './observers.ts'
import { verifyDeviceSecret } from './secrets.ts'
import { GatewayStore, type Sql } from './store.ts'

export interface GatewayOptions {
  /** The platform's database (PGlite or PostgreSQL). */
  sql: Sql
  logger?: Logger
  /** Clock in epoch milliseconds; injected by tests. */
  now?: () => number
  /** [P-2.3] How far a device clock may drift before a record is marked clockSkew, in ms. Default 300000 (5 min). */
  clockSkewToleranceMs?: number
  /** How often presence changes are written, in ms. Default 1000. */
  presenceFlushIntervalMs?: number
  /** How long a device lookup is cached for authentication, in ms. Default 30000. */
  authCacheTtlMs?: number
}

export interface ListenOptions {
  host?: string
  /** MQTT over TCP; 0 = any free port. */
  mqttPort: number
  /** MQTT over WebSocket at /mqtt; 0 = any free port; null = off. */
  mqttWsPort?: number | null
}

export interface InboxNotice { deviceId: string, msgId: string, kind: 'event' | 'intercom', type: string }
export interface CommandAckNotice { deviceId: string, commandId: string, ok: boolean, error: string | null }

export interface GatewayEvents {
  inbox: [InboxNotice]
  commandAck: [CommandAckNotice]
  deviceStatus: [DeviceStatusDto]
}

export interface GatewayCounters {
  accepted: Record<string, number>
  rejected: Record<string, number>
  duplicates: number
}

class AuthError extends Error {
  constructor (message: string, readonly returnCode: 4 | 5) { super(message) }
}

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly broker: Aedes
  readonly counters: GatewayCounters = { accepted: {}, rejected: {}, duplicates: 0 }
  private readonly log: Logger
  private readonly store: GatewayStore
  private readonly presence: Presence
  private readonly sessions = new WeakMap<Client, DeviceSession>()
  private readonly deviceCache = new Map<string, { at: number, rec: Awaited<ReturnType<GatewayStore['findDevice']>> }>()
  private readonly now: () => number
  private readonly skewMs: number
  private readonly cacheTtlMs: number
  private readonly ctx: HandlerContext
  /** read-only recorder accounts (issue 8) */
  private readonly observers: Observers
  private tcp?: NetServer
  private http?: HttpServer
  private wss?: WebSocketServer

  constructor (opts: GatewayOptions) {
    super()
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ part: 'gateway' })
    this.store = new GatewayStore(opts.sql)
    this.now = opts.now ?? Date.now
    this.skewMs = opts.clockSkewToleranceMs ?? 300_000
    this.cacheTtlMs = opts.authCacheTtlMs ?? 30_000
    this.presence = new Presence(this.store, this.log, (s) => this.emit('deviceStatus', s), { flushIntervalMs: opts.presenceFlushIntervalMs })
    this.ctx = { store: this.store, presence: this.presence, log: this.log, emit: (e, p) => this.emit(e as 'inbox', p) }
    this.observers = new Observers(opts.sql, this.log.child({ part: 'observers' }), { now: this.now })
    this.broker = new Aedes({
      // [P-1.3] device ids are up to 64 characters
      maxClientsIdLength: 64,
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username, password).then(
          () => done(null, true),
          (err: AuthError) => {
            const e = new Error(err.message) as AuthenticateError
            e.returnCode = err.returnCode as unknown as AuthenticateError['returnCode']
            done(e, false)
          })
      },
      authorizePublish: (client, packet, done) => {
        // An observer never publishes: the connection is closed (its will is dropped the same way).
        if (this.observers.session(client)) return done(new Error('observers may not publish'))
        this.onPublish(client, packet).then(() => done(null), done)
      },
      authorizeSubscribe: (client, sub, done) => done(null, this.onSubscribe(client, sub)),
      authorizeForward: (client, packet) => this.observers.forward(client, packet)
    })
    this.broker.on('clientReady', (client) => {
      if (this.observers.session(client)) return void this.log.info({ observer: client.id }, 'observer connected')
      this.presence.mark(client.id, { online: true, lastSeenAt: new Date(this.now()) })
      this.log.info({ deviceId: client.id }, 'device connected')
    })
    this.broker.on('clientDisconnect', (client) => {
      this.observers.forget(client)
      if (!this.sessions.has(client)) return
      this.presence.mark(client.id, { online: false, lastSeenAt: new Date(this.now()) })
      this.log.info({ deviceId: client.id }, 'device disconnected')
    })
    this.broker.on('clientError', (client, err) => this.log.warn({ deviceId: client?.id, err: err.message }, 'client error'))
    this.broker.on('connectionError', (client, err) => this.log.debug({ deviceId: client?.id, err: err.message }, 'connection error'))
  }

  /** Starts the listeners; resolves with the ports actually bound. */
  async listen (opts: ListenOptions): Promise<{ mqtt: number, mqttWs: number | null }> {
    const host = opts.host ?? '0.0.0.0'
    // aedes 1.x: persistence starts asynchronously and must be awaited before any connection.
    await this.broker.listen()
    this.tcp = createNetServer((socket) => this.broker.handle(socket))
    await new Promise<void>((resolve, reject) => { this.tcp!.once('error', reject).listen(opts.mqttPort, host, resolve) })
    let mqttWs: number | null = null
    if (opts.mqttWsPort != null) {
      this.http = createHttpServer((_req, res) => { res.writeHead(426).end('MQTT over WebSocket: connect to /mqtt\n') })
      this.wss = new WebSocketServer({ server: this.http, path: '/mqtt' })
      this.wss.on('connection', (ws, req) => this.broker.handle(createWebSocketStream(ws), req))
      await new Promise<void>((resolve, reject) => { this.http!.once('error', reject).listen(opts.mqttWsPort!, host, resolve) })
      mqttWs = (this.http.address() as AddressInfo).port
    }
    return { mqtt: (this.tcp.address() as AddressInfo).port, mqttWs }
  }

  /** [P-3.5] Publishes a command to a device (QoS 1; queued by the broker for an offline persistent session [P-4.5]). */
  publishCommand (deviceId: string, command: Command): Promise<void> {
    return this.publish(deviceTopic(deviceId, 'commands'), command, 1)
  }

  /** Forgets cached device records (after a registry change such as secret rotation). */
  invalidateDevice (deviceId?: string): void {
    if (deviceId) this.deviceCache.delete(deviceId)
    else this.deviceCache.clear()
  }

  async close (): Promise<void> {
    this.wss?.close()
    await Promise.all([
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => this.broker.close(() => resolve()))
    ])
    await this.presence.close()
  }

  // ── connection ──────────────────────────────────────────────────────────

  /** [P-1.2] clientId = username = device id; password = device secret. */
  private async authenticate (client: Client, username: string | undefined, password: Buffer | undefined): Promise<void> {
    if (isObserverLogin(client.id, username)) {
      if (await this.observers.authenticate(client, username, password)) return
      this.log.warn({ observer: client.id }, 'connect refused: unknown observer, disabled, or wrong secret')
      throw new AuthError('bad username or password', 4)
    }
    if (!username || !password || username !== client.id || !DEVICE_ID_PATTERN.test(username)) {
      this.log.warn({ deviceId: client.id }, 'connect refused: missing credentials or username ≠ clientId')
      throw new AuthError('bad username or password', 4)
    }
    const rec = await this.findDevice(username)
    if (!rec || !verifyDeviceSecret(password, rec.secretHash)) {
      this.log.warn({ deviceId: username }, 'connect refused: unknown device or wrong secret')
      throw new AuthError('bad username or password', 4)
    }
    this.sessions.set(client, { id: rec.id, type: rec.type, actsFor: new Set([rec.id, ...rec.children]) })
  }

  private async findDevice (id: string) {
    const hit = this.deviceCache.get(id)
    if (hit && this.now() - hit.at < this.cacheTtlMs) return hit.rec
    const rec = await this.store.findDevice(id)
    this.deviceCache.set(id, { at: this.now(), rec })
    return rec
  }

  // ── subscribe ───────────────────────────────────────────────────────────

  private onSubscribe (client: Client, sub: Subscription): Subscription | null {
    if (this.observers.session(client)) {
      const refusal = observerSubscribeRefusal(sub.topic)
      if (refusal) this.log.warn({ observer: client.id, topic: sub.topic }, refusal)
      return refusal ? null : sub
    }
    const session = this.sessions.get(client)
    if (!session) return null
    const decision = checkSubscribe(session, sub.topic)
    if (decision.ok) return sub
    // [P-2.5] refused with a SUBACK failure (0x80), told on errors, logged with the device id
    this.reject(session.id, null, sub.topic, 'unauthorized_topic', decision.reason)
    return null
  }

  // ── publish: decode → normalise → record ───────────────────────────────

  private async onPublish (client: Client | null, packet: PublishPacket): Promise<void> {
    const session = client ? this.sessions.get(client) : undefined
    if (!session) {
      // A will published after its client is gone: only a device's own status is let through.
      if (!client && /^care\/v1\/devices\/[^/]+\/status$/.test(packet.topic)) return this.ingest(packet, packet.topic.split('/')[3], 'status')
      return this.drop(packet)
    }
    const acl = checkPublish(session, packet.topic)
    if (!acl.ok) {
      this.reject(session.id, null, packet.topic, 'unauthorized_topic', acl.reason)
      return this.drop(packet)
    }
    return this.ingest(packet, acl.topic.deviceId, acl.topic.kind as UpstreamKind)
  }

  private async ingest (packet: PublishPacket, deviceId: string, kind: UpstreamKind): Promise<void> {
    const receivedAt = new Date(this.now())
    await this.observers.prime(deviceId) // observers' area filter needs the device's area before forwarding
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    // decode + validate [P-2.1][P-3.x]
    const decoded = decodeUpstream(kind, payload)
    if (!decoded.ok) {
      this.reject(deviceId, decoded.ref, packet.topic, decoded.code, decoded.message)
      return this.drop(packet)
    }
    // normalise [P-2.3][P-3.1]
    const message = decoded.message
    if (kind === 'telemetry' && !hasReading(message as Accepted<'telemetry'>['message'])) {
      this.reject(deviceId, (message as { id: string }).id, packet.topic, 'invalid_payload', 'telemetry must carry at least one reading')
      return this.drop(packet)
    }
    const ts = (message as { ts?: number }).ts
    const clockSkew = ts !== undefined && Math.abs(ts - receivedAt.getTime()) > this.skewMs
    // record
    let result
    try {
      result = await (handlers[kind] as (c: HandlerContext, m: Accepted) => Promise<string>)(this.ctx, { deviceId, kind, message, receivedAt, clockSkew })
    } catch (err) {
      const ref = (message as { id?: string }).id ?? null
      this.log.error({ deviceId, kind, ref, err }, 'recording failed')
      this.reject(deviceId, ref, packet.topic, 'internal', 'the gateway could not record this message; resend it')
      // [P-4.1] no PUBACK for what is not durably recorded: the error closes the connection and the device resends.
      if (DURABLE_KINDS.has(kind) && packet.qos > 0) throw err
      return this.drop(packet)
    }
    if (result === 'duplicate') this.counters.duplicates++
    else this.count('accepted', kind)
  }

  /** Keeps a refused message from reaching any subscriber; it is still acknowledged so the device does not resend it. */
  private drop (packet: PublishPacket): void {
    packet.topic = `$rejected/${packet.topic}`
    packet.retain = false
    packet.payload = Buffer.alloc(0)
  }

  /** [P-3.7][P-4.2] Answers on the device's errors topic and counts the rejection. */
  private reject (deviceId: string, ref: string | null, topic: string, code: DeviceErrorCode, message: string): void {
    this.count('rejected', code)
    this.log.warn({ deviceId, topic, code, ref }, message)
    const body: DeviceErrorMessage = { ref, topic, code, message }
    this.publish(deviceTopic(deviceId, 'errors'), body, 0).catch((err) => this.log.warn({ deviceId, err }, 'could not publish error'))
  }

  private count (what: 'accepted' | 'rejected', key: string): void {
    const bucket = this.counters[what]
    bucket[key] = (bucket[key] ?? 0) + 1
  }

  private publish (topic: string, body: unknown, qos: 0 | 1): Promise<void> {
    return new Promise((resolve, reject) => {
      this.broker.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos, retain: false, dup: false } as PublishPacket,
        (err) => (err ? reject(err) : resolve()))
    })
  }
}
