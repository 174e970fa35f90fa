/**
 * The device gateway: an aedes broker whose hooks authenticate every device, confine it
 * to its own topics, and run each upstream message through decode → normalise → record.
 */
import { EventEmitter } from 'node:events'
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes'
import { pino, type Logger } from 'pino'
import {
  DEVICE_ID_PATTERN, MAX_PACKET_BYTES, decodeUpstream, deviceTopic, parseDeviceTopic,
  type Command, type DeviceErrorCode, type DeviceErrorMessage, type DeviceStatusDto, type UpstreamKind, type RtcSignalDown, type RtcSignalUp
} from '@eldercare/protocols'
import { checkPublish, checkSubscribe, type DeviceSession } from './acl.ts'
import { CommandDelivery, type CommandPublishOptions } from './command-delivery.ts'
import { DURABLE_KINDS, handlers, type Accepted, type HandlerContext } from './handlers/index.ts'
import { listenTcp, listenTls, listenWebSocket, type GuardOptions, type Listener, type TlsListenOptions } from './listeners.ts'
import { RateLimiter, type RateLimitOptions } from './rate-limit.ts'
import { Presence } from './presence.ts'
import { Observers, isObserverLogin, observerSubscribeRefusal } from './observers.ts'
import { redisBrokerParts, relayGatewayEvents, type BrokerParts } from './cluster.ts'
import { Readings, type ReadingsOptions } from './readings.ts'
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
  /** [P-4.3] Per-device rate limit; defaults 20 msg/s, burst 100, disconnect after 60 s of flooding. */
  rateLimit?: RateLimitOptions
  /** [P-2.1] Broker packet limit in bytes; a larger packet closes the connection. Default 262144 (256 KiB). */
  maxPacketBytes?: number
  /** Scaled mode: join the other nodes' brokers through this Redis (cluster.ts). */
  redisUrl?: string
  /** [P-3.1] Readings store, writer bounds and detection rules; `false` = readings only counted. */
  readings?: ReadingsOptions | false
}

export interface ListenOptions {
  host?: string
  /** MQTT over TCP; 0 = any free port. */
  mqttPort: number
  /** MQTT over WebSocket at /mqtt; 0 = any free port; null = off. */
  mqttWsPort?: number | null
  /** [P-1.1] MQTT over TLS (certificate and key in PEM); null = off. */
  tls?: TlsListenOptions | null
}

export interface InboxNotice { deviceId: string, msgId: string, kind: 'event' | 'intercom' | 'derived', type: string }
export interface CommandAckNotice { deviceId: string, commandId: string, ok: boolean, error: string | null }
/** [P-3.8] A WebRTC signal from a device, for the platform to relay. */
export interface RtcNotice { deviceId: string, signal: RtcSignalUp }

/** What became of one upstream message (or packet), for metrics. */
export interface MessageOutcome {
  /** the topic kind; `other` for a topic outside the protocol, `packet` for a refused MQTT packet */
  kind: string
  outcome: 'accepted' | 'duplicate' | 'rejected'
  code?: DeviceErrorCode
}

export interface GatewayEvents {
  inbox: [InboxNotice]
  commandAck: [CommandAckNotice]
  rtc: [RtcNotice]
  deviceStatus: [DeviceStatusDto]
  message: [MessageOutcome]
  /** [P-4.1] how long a durable record took, in seconds */
  durableWrite: [{ kind: UpstreamKind, seconds: number }]
  /** [P-4.3] a device was disconnected for flooding */
  floodDisconnect: [{ deviceId: string }]
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
  /** readings store and detection (null when turned off) */
  readonly readings: Readings | null
  private readonly limiter: RateLimiter
  private readonly commands: CommandDelivery
  private readonly maxPacketBytes: number
  private servers: Listener[] = []
  private readonly cluster?: BrokerParts

  constructor (opts: GatewayOptions) {
    super()
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ part: 'gateway' })
    this.store = new GatewayStore(opts.sql)
    this.now = opts.now ?? Date.now
    this.skewMs = opts.clockSkewToleranceMs ?? 300_000
    this.cacheTtlMs = opts.authCacheTtlMs ?? 30_000
    this.presence = new Presence(this.store, this.log, (s) => this.emit('deviceStatus', s), { flushIntervalMs: opts.presenceFlushIntervalMs })
    this.readings = opts.readings === false
      ? null
      : new Readings(opts.sql, this.store, this.log, (n) => this.emit('inbox', n), this.now, opts.readings)
    this.ctx = { store: this.store, presence: this.presence, log: this.log, readings: this.readings ?? undefined, emit: (e, p) => this.emit(e as 'inbox', p) }
    this.limiter = new RateLimiter(opts.rateLimit, this.now)
    this.commands = new CommandDelivery(this.store, this.log, this.now)
    this.maxPacketBytes = opts.maxPacketBytes ?? MAX_PACKET_BYTES
    this.cluster = opts.redisUrl ? redisBrokerParts(opts.redisUrl) : undefined
    this.observers = new Observers(opts.sql, this.log.child({ part: 'observers' }), { now: this.now })
    this.broker = new Aedes({
      ...(this.cluster ? { mq: this.cluster.mq, persistence: this.cluster.persistence } : {}),
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
      // observers get only their area's device messages; everyone else goes through onForward
      authorizeForward: (client, packet) => (this.observers.session(client) ? this.observers.forward(client, packet) : this.onForward(client, packet))
    })
    this.broker.on('clientReady', (client) => {
      if (this.observers.session(client)) return void this.log.info({ observer: client.id }, 'observer connected')
      this.presence.mark(client.id, { online: true, lastSeenAt: new Date(this.now()) })
      this.log.info({ deviceId: client.id }, 'device connected')
    })
    this.broker.on('clientDisconnect', (client) => {
      this.observers.forget(client)
      const session = this.sessions.get(client)
      if (!session) return
      // [P-4.4] the connection dropped: the device, and the children a hub relayed for, are unreachable
      for (const id of session.actsFor) this.presence.mark(id, { online: false, lastSeenAt: new Date(this.now()) })
      this.log.info({ deviceId: client.id }, 'device disconnected')
    })
    // [P-4.4] MQTT 3.1.1 §3.1.2.10: aedes closes a connection silent for 1.5 × keepalive, which publishes the will.
    this.broker.on('keepaliveTimeout', (client) => this.log.info({ deviceId: client.id }, 'keepalive expired'))
    this.broker.on('clientError', (client, err) => this.log.warn({ deviceId: client?.id, err: err.message }, 'client error'))
    this.broker.on('connectionError', (client, err) => this.log.debug({ deviceId: client?.id, err: err.message }, 'connection error'))
  }

  /** Starts the listeners; resolves with the ports actually bound. */
  async listen (opts: ListenOptions): Promise<{ mqtt: number, mqttWs: number | null, mqttTls: number | null }> {
    const host = opts.host ?? '0.0.0.0'
    // aedes 1.x: persistence starts asynchronously and must be awaited before any connection.
    await this.broker.listen()
    if (this.cluster) await relayGatewayEvents(this)
    await this.readings?.start()
    const handle = this.broker.handle.bind(this.broker)
    // [P-2.1] every listener's connections pass the packet-size guard before aedes sees a byte
    const guard: GuardOptions = {
      maxPacketBytes: this.maxPacketBytes,
      onViolation: (reason, remote, deviceId) => {
        this.count('rejected', 'too_large')
        this.emit('message', { kind: 'packet', outcome: 'rejected', code: 'too_large' })
        this.log.warn({ deviceId, remote, code: 'too_large' }, `connection closed: ${reason}`)
      }
    }
    const tcp = await listenTcp(handle, opts.mqttPort, host, guard)
    this.servers.push(tcp)
    let mqttWs: number | null = null
    if (opts.mqttWsPort != null) {
      const ws = await listenWebSocket(handle, opts.mqttWsPort, host, guard)
      this.servers.push(ws)
      mqttWs = ws.port
    }
    let mqttTls: number | null = null
    if (opts.tls) {
      const tls = await listenTls(handle, opts.tls, host, guard)
      this.servers.push(tls)
      mqttTls = tls.port
    }
    return { mqtt: tcp.port, mqttWs, mqttTls }
  }

  /**
   * [P-3.5] Publishes a command to a device (QoS 1; queued by the broker for an offline
   * persistent session and delivered on reconnect unless `expiresAt` has passed [P-4.5]).
   */
  publishCommand (deviceId: string, command: Command, opts: CommandPublishOptions = {}): Promise<void> {
    return this.publish(deviceTopic(deviceId, 'commands'), command, 1, (packet) => this.commands.stamp(packet, opts))
  }

  /**
   * [P-3.8] Publishes a WebRTC signal to a device. QoS 0: never queued for an offline session,
   * since an offer delivered minutes later on reconnect would ring for a call long gone.
   */
  publishRtc (deviceId: string, signal: RtcSignalDown): Promise<void> {
    return this.publish(deviceTopic(deviceId, 'rtc/down'), signal, 0)
  }

  /** Forgets cached device records (after a registry change such as secret rotation). */
  invalidateDevice (deviceId?: string): void {
    if (deviceId) this.deviceCache.delete(deviceId)
    else this.deviceCache.clear()
  }

  async close (): Promise<void> {
    await Promise.all([
      ...this.servers.map((l) => l.close()),
      new Promise<void>((resolve) => this.broker.close(() => resolve()))
    ])
    await this.presence.close()
    await this.readings?.close()
    await this.cluster?.close()
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

  // ── forward: commands to devices ────────────────────────────────────────

  private onForward<P extends PublishPacket> (client: Client, packet: P): P | null {
    const parsed = parseDeviceTopic(packet.topic)
    if (parsed?.kind !== 'commands' || !this.sessions.has(client)) return packet
    return this.commands.forward(parsed.deviceId, packet) ? packet : null
  }

  // ── publish: rate → ACL → decode → normalise → record ──────────────────

  private async onPublish (client: Client | null, packet: PublishPacket): Promise<void> {
    const session = client ? this.sessions.get(client) : undefined
    if (!session) {
      // A will published after its client is gone: only a device's own status is let through.
      if (!client && /^care\/v1\/devices\/[^/]+\/status$/.test(packet.topic)) return this.ingest(packet, packet.topic.split('/')[3], 'status')
      return this.drop(packet)
    }
    // [P-4.3] before any parsing, so a flood costs the gateway next to nothing; the will is exempt
    if (!client!.closed && !this.withinRate(client!, session, packet)) return this.drop(packet)
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
    // normalise [P-2.3]
    const message = decoded.message
    const ts = (message as { ts?: number }).ts
    const clockSkew = ts !== undefined && Math.abs(ts - receivedAt.getTime()) > this.skewMs
    // record
    let result
    const started = performance.now()
    try {
      result = await (handlers[kind] as (c: HandlerContext, m: Accepted) => Promise<string>)(this.ctx, { deviceId, kind, message, receivedAt, clockSkew })
      if (DURABLE_KINDS.has(kind)) this.emit('durableWrite', { kind, seconds: (performance.now() - started) / 1000 })
    } catch (err) {
      const ref = (message as { id?: string }).id ?? null
      this.log.error({ deviceId, kind, ref, err }, 'recording failed')
      this.reject(deviceId, ref, packet.topic, 'internal', 'the gateway could not record this message; resend it')
      // [P-4.1] no PUBACK for what is not durably recorded: the error closes the connection and the device resends.
      if (DURABLE_KINDS.has(kind) && packet.qos > 0) throw err
      return this.drop(packet)
    }
    if (result === 'duplicate') {
      // [P-2.4] acknowledged again, no further effect; the device is told so (informational)
      this.counters.duplicates++
      this.emit('message', { kind, outcome: 'duplicate' })
      const ref = (message as { id?: string }).id ?? null
      this.answer(deviceId, { ref, topic: packet.topic, code: 'duplicate', message: `message ${ref} was already recorded; acknowledged again with no further effect` })
    } else {
      this.count('accepted', kind)
      this.emit('message', { kind, outcome: 'accepted' })
    }
  }

  /** [P-4.3] Takes a token for the publishing device; answers and disconnects as the limiter decides. */
  private withinRate (client: Client, session: DeviceSession, packet: PublishPacket): boolean {
    const decision = this.limiter.take(session.id, session.actsFor.size)
    if (decision === 'pass') return true
    this.count('rejected', 'rate_limited')
    this.emit('message', { kind: kindOf(packet.topic), outcome: 'rejected', code: 'rate_limited' })
    if (decision === 'limited_tell') {
      // rate_limited answers are themselves limited (one per interval) and logged as rarely
      this.log.warn({ deviceId: session.id, topic: packet.topic, code: 'rate_limited' }, 'device exceeds its message allowance')
      this.answer(session.id, { ref: null, topic: packet.topic, code: 'rate_limited', message: 'too many messages: the allowance is 20 messages/s sustained, burst 100; slow down or be disconnected' })
    } else if (decision === 'disconnect') {
      this.log.warn({ deviceId: session.id, code: 'rate_limited' }, 'device disconnected for flooding')
      this.emit('floodDisconnect', { deviceId: session.id })
      client.close()
    }
    return false
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
    this.emit('message', { kind: kindOf(topic), outcome: 'rejected', code })
    this.log.warn({ deviceId, topic, code, ref }, message)
    this.answer(deviceId, { ref, topic, code, message })
  }

  /** Publishes on the device's errors topic (QoS 0, [P-3.7]). */
  private answer (deviceId: string, body: DeviceErrorMessage): void {
    this.publish(deviceTopic(deviceId, 'errors'), body, 0).catch((err) => this.log.warn({ deviceId, err }, 'could not publish error'))
  }

  private count (what: 'accepted' | 'rejected', key: string): void {
    const bucket = this.counters[what]
    bucket[key] = (bucket[key] ?? 0) + 1
  }

  private publish (topic: string, body: unknown, qos: 0 | 1, prepare: (p: PublishPacket) => PublishPacket = (p) => p): Promise<void> {
    return new Promise((resolve, reject) => {
      this.broker.publish(prepare({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos, retain: false, dup: false } as PublishPacket),
        (err) => (err ? reject(err) : resolve()))
    })
  }
}

/** The metrics label for a topic: its protocol kind, or `other`. */
function kindOf (topic: string): string {
  return parseDeviceTopic(topic)?.kind ?? 'other'
}
