/**
 * The device gateway: an aedes broker whose hooks authenticate every device (./connect.ts),
 * confine its subscriptions (./acl.ts) and run each upstream PUBLISH through the ingest steps
 * (./ingest/pipeline.ts). This module only puts the parts together and starts and stops them.
 */
import { EventEmitter } from 'node:events'
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes'
import { pino, type Logger } from 'pino'
import { MAX_PACKET_BYTES, deviceTopic, parseDeviceTopic, type Command, type RtcSignalDown } from '@eldercare/protocols'
import { checkSubscribe } from './acl.ts'
import { CommandDelivery, type CommandPublishOptions } from './command-delivery.ts'
import { CommandRedelivery, type CommandRedeliveryOptions } from './command-redelivery.ts'
import { DeviceAuth } from './connect.ts'
import { codes, type GatewayError } from './errors.ts'
import { InboxPruner, type InboxPrunerOptions } from './inbox/pruner.ts'
import { InboxWriter, type InboxWriterOptions } from './inbox/writer.ts'
import { refuse } from './ingest/answer.ts'
import { LoadLimit, type LoadLimitOptions, type LoadStats } from './load-limit.ts'
import { Ingest } from './ingest/pipeline.ts'
import type { IngestContext } from './ingest/types.ts'
import { DEFAULT_LISTEN_BACKLOG, grantedBacklog, listenTcp, listenTls, listenWebSocket, type ConnectionHandler, type GuardOptions, type Listener, type TlsListenOptions } from './listeners.ts'
import { memoryPersistence } from './memory-persistence.ts'
import { releaseIdlePacket, type MqttPacketParser } from './parser-idle.ts'
import { ReadScheduler, type ReadSchedulerOptions } from './read-scheduler.ts'
import { ALARM_RATE_LIMIT_DEFAULTS, RateLimiter, type RateLimitOptions } from './rate-limit.ts'
import { Presence, type PresenceStats } from './presence.ts'
import { Observers, observerSubscribeRefusal } from './observers.ts'
import { IntegrationClients } from './integrations.ts'
import { redisBrokerParts, relayGatewayEvents, relayInvalidations, type BrokerParts, type Invalidation } from './cluster.ts'
import { PositionWatch, type PositionWatchOptions } from './positions.ts'
import { Readings, type ReadingsOptions } from './readings.ts'
import { GatewayStore, type Sql } from './store.ts'
import type { GatewayCounters, GatewayEvents } from './types/events.ts'

export interface GatewayOptions {
  /** The platform's database (PGlite or PostgreSQL). */
  sql: Sql
  logger?: Logger
  /** Clock in epoch milliseconds; injected by tests. */
  now?: () => number
  /** [P-2.3] How far a device clock may drift before a record is marked clockSkew, in ms. Default 300000 (5 min). */
  clockSkewToleranceMs?: number
  /** How often the coarse last-seen batch is written, in ms. Default 1000 (online/battery changes are written at once). */
  presenceFlushIntervalMs?: number
  /** A device's `lastSeenAt` is written once it moved this far, in ms. Default 60000. */
  presenceLastSeenWriteMs?: number
  /** How long a verified device record is cached for authentication, in ms. Default 30000. */
  authCacheTtlMs?: number
  /** Most device records cached for authentication. Default 20000. */
  authCacheMax?: number
  /** [P-1.4] Largest keepalive a device may ask for, in s; 0 and anything above are refused. Default 60. */
  keepaliveLimitS?: number
  /** [P-4.3] Per-device telemetry allowance; defaults 20 msg/s, burst 100, disconnect after 60 s of flooding. */
  rateLimit?: RateLimitOptions
  /** [P-4.3] Per-device alarm allowance (events, intercom, commands/ack), apart from telemetry's; defaults 50 msg/s, burst 200, never a disconnect. */
  alarmRateLimit?: RateLimitOptions
  /** Bound on telemetry work in progress (in flight, readings backlog, event-loop delay); over it telemetry is shed, never an alarm. */
  loadLimit?: LoadLimitOptions
  /** [P-4.1] Group commit of the durable inbox (window, rows per group, groups in flight). */
  inboxWriter?: InboxWriterOptions
  /** [P-2.4] The idempotency window (default 7 days) and how the inbox is pruned after it. */
  idempotency?: InboxPrunerOptions
  /** [P-2.1] Broker packet limit in bytes; a larger packet closes the connection. Default 262144 (256 KiB). */
  maxPacketBytes?: number
  /** Device bytes parsed in short slices, alarms first (read-scheduler.ts); `false` parses them as they are read. */
  readScheduler?: ReadSchedulerOptions | false
  /** MQTT/TCP connections start with a load balancer's PROXY protocol v1 line naming the device's address (MQTT_PROXY_PROTOCOL=on; docs/deployment.md). Default false. */
  proxyProtocol?: boolean
  /** Scaled mode: join the other nodes' brokers through this Redis (cluster.ts). */
  redisUrl?: string
  /** How this node redelivers commands the broker could not keep (command-redelivery.ts); its scope follows the mode. */
  commandRedelivery?: CommandRedeliveryOptions
  /** [P-3.1] Readings store, writer bounds and detection rules; `false` = readings only counted. */
  readings?: ReadingsOptions | false
  /** Scaled mode: how often the residents whose positions are relayed are read again (positions.ts, PositionWatch). */
  positionWatch?: PositionWatchOptions
}

export interface ListenOptions {
  host?: string
  /** MQTT over TCP; 0 = any free port. */
  mqttPort: number
  /** MQTT over WebSocket at /mqtt; 0 = any free port; null = off. */
  mqttWsPort?: number | null
  /** [P-1.1] MQTT over TLS (certificate and key in PEM); null = off. */
  tls?: TlsListenOptions | null
  /** Handshakes the kernel holds until they are accepted, each listener (MQTT_LISTEN_BACKLOG). Default DEFAULT_LISTEN_BACKLOG (4096). */
  backlog?: number
}

export class Gateway extends EventEmitter<GatewayEvents> {
  /** @internal the aedes broker (tests and cluster relaying); not part of the package interface */
  readonly broker: Aedes
  readonly counters: GatewayCounters = { accepted: {}, rejected: {}, duplicates: 0 }
  /** readings store and detection (null when turned off) */
  readonly readings: Readings | null
  private readonly log: Logger
  private readonly store: GatewayStore
  private readonly presence: Presence
  /** connections closed because their device connected to another gateway (scaled mode) */
  private readonly movedAway = new WeakSet<Client>()
  private readonly auth: DeviceAuth
  private readonly observers: Observers
  /** scaled mode: tells the other nodes of an invalidation (set once the cluster relay is subscribed) */
  private relayInvalidation: ((m: Invalidation) => void) | null = null
  /** upper platforms' MQTT accounts (issue 16): sandbox and incident feed only */
  private readonly integrations: IntegrationClients
  private readonly inbox: InboxWriter
  private readonly pruner: InboxPruner
  private readonly ingest: Ingest
  private readonly ctx: IngestContext
  private readonly commands: CommandDelivery
  private readonly redelivery: CommandRedelivery
  private readonly maxPacketBytes: number
  /** device bytes in slices, alarms first (read-scheduler.ts); null when turned off */
  readonly readScheduler: ReadScheduler | null
  private readonly proxyProtocol: boolean
  private servers: Listener[] = []
  private readonly cluster?: BrokerParts
  /** an observer has subscribed to device topics since start (forwardOnlyWhenObserved) */
  private observed = false
  /** scaled mode: the residents whose positions go to the cluster (null: every position is told, embedded) */
  private readonly positionWatch: PositionWatch | null

  constructor (opts: GatewayOptions) {
    super()
    const log = this.log = (opts.logger ?? pino({ level: 'silent' })).child({ part: 'gateway' })
    const now = opts.now ?? Date.now
    const store = this.store = new GatewayStore(opts.sql)
    this.presence = new Presence(store, log, (s) => this.emit('deviceStatus', s), { flushIntervalMs: opts.presenceFlushIntervalMs, lastSeenWriteMs: opts.presenceLastSeenWriteMs })
    this.readings = opts.readings === false
      ? null
      : new Readings({ sql: opts.sql, store, log, notify: (n) => this.emit('inbox', n), now, ...opts.readings })
    this.observers = new Observers(opts.sql, log.child({ part: 'observers' }), { now })
    this.integrations = new IntegrationClients(opts.sql, log.child({ part: 'integrations' }))
    this.auth = new DeviceAuth({ store, observers: this.observers, log: log.child({ part: 'connect' }), cacheTtlMs: opts.authCacheTtlMs, cacheMax: opts.authCacheMax,
      onVerified: (rec) => this.readings?.primeOwner({ deviceId: rec.id, type: rec.type, residentId: rec.residentId }) })
    this.inbox = new InboxWriter({ store, log: log.child({ part: 'inbox' }), onPosted: () => this.emit('inboxPosted'), ...opts.inboxWriter })
    this.pruner = new InboxPruner({ store, log: log.child({ part: 'inbox' }), now, ...opts.idempotency })
    this.commands = new CommandDelivery(store, log, now)
    // [P-3.6] answered here or on another node (relayed): a copy still queued is not delivered again
    this.on('commandAck', (n) => this.commands.answeredBy(n.commandId))
    this.maxPacketBytes = opts.maxPacketBytes ?? MAX_PACKET_BYTES
    this.readScheduler = opts.readScheduler === false ? null : new ReadScheduler(opts.readScheduler)
    this.proxyProtocol = opts.proxyProtocol ?? false
    this.cluster = opts.redisUrl ? redisBrokerParts(opts.redisUrl, log) : undefined
    this.positionWatch = opts.redisUrl && this.readings ? new PositionWatch(opts.sql, log.child({ part: 'positions' }), opts.positionWatch) : null
    // issue 15: a fresher position is told (embedded: each; scaled: a watched resident's, relayed to every node)
    this.readings?.positions.on('position', (p) => {
      if (this.positionWatch === null || (p.residentId !== null && this.positionWatch.has(p.residentId))) this.emit('position', p)
    })
    const ctx: IngestContext = this.ctx = {
      sessions: this.auth.sessions,
      observers: this.observers,
      limits: { telemetry: new RateLimiter(opts.rateLimit, now), alarms: new RateLimiter(opts.alarmRateLimit, now, ALARM_RATE_LIMIT_DEFAULTS) },
      load: new LoadLimit(opts.loadLimit, {
        backlog: () => this.readings?.writer.stats.buffered ?? 0,
        readWaitMs: () => this.readScheduler?.stats.waitMs ?? 0,
        log: log.child({ part: 'load' })
      }),
      skewMs: opts.clockSkewToleranceMs ?? 300_000,
      handlers: {
        store, inbox: this.inbox, presence: this.presence, log, readings: this.readings ?? undefined, events: this,
        connectionOf: (id) => this.clientOf(id),
        movedAway: (client) => this.movedAway.has(client)
      },
      events: this,
      counters: this.counters,
      publish: (topic, body, qos) => this.publish(topic, body, qos)
    }
    this.ingest = new Ingest(ctx, log.child({ part: 'ingest' }), now)
    const keepaliveLimit = opts.keepaliveLimitS ?? 60

    // Scaled mode: a device that connects to another gateway is announced by that broker, and aedes
    // here closes the connection it still holds, which then reports a disconnect and publishes its
    // will — not news, the device is online elsewhere. Told apart here, before aedes' own listener
    // (registered after this one) closes it.
    ;(this.cluster?.mq as { on: (topic: string, fn: (packet: { topic: string, payload: Buffer | string }, done: () => void) => void) => void } | undefined)?.on('$SYS/+/new/clients', (packet, done) => {
      const from = packet.topic.split('/')[1]
      const client = this.broker && from !== this.broker.id ? this.clientOf(String(packet.payload)) : undefined
      if (client) this.movedAway.add(client)
      done()
    })
    this.broker = new Aedes({
      // embedded: aedes' memory store with retained messages found by topic (memory-persistence.ts)
      ...(this.cluster ? { mq: this.cluster.mq, persistence: this.cluster.persistence } : { persistence: memoryPersistence() }),
      // [P-1.3] device ids are up to 64 characters
      maxClientsIdLength: 64,
      // [P-1.4][P-4.4] keepalive 0 (never silent) or above the limit is refused at CONNECT, so every
      // connection is closed by aedes after 1.5 × a keepalive of at most 60 s without traffic.
      // Not aedes' `keepaliveLimit`: it answers CONNACK 6, a code MQTT 3.1.1 does not define. No
      // 3.1.1 code fits (4 and 5 mean credentials [P-1.2]), so the connection is closed without a
      // CONNACK, as [MQTT-3.2.2-6] prescribes; the gateway logs why, with the device id.
      preConnect: (client, packet, done) => {
        const keepalive = packet.keepalive ?? 0
        if (keepalive >= 1 && keepalive <= keepaliveLimit) return void done(null, true)
        const err = codes.GW_ERR_KEEPALIVE(keepalive, keepaliveLimit, keepaliveLimit)
        log.warn({ deviceId: packet.clientId, keepalive, err: err.code }, err.message)
        done(err, false)
      },
      authenticate: (client, username, password, done) => {
        const login = IntegrationClients.isLogin(client.id, username)
          ? this.integrations.authenticate(client, username, password).then((ok) => { if (!ok) throw codes.GW_ERR_BAD_CREDENTIALS() })
          : this.auth.authenticate(client, username, password)
        login.then(
          () => done(null, true),
          (err: GatewayError) => {
            const refused = err.code === codes.GW_ERR_BAD_CREDENTIALS.code
            if (!refused) log.warn({ deviceId: client.id, err }, 'credentials could not be checked (database away): CONNACK 3, the device retries')
            const e = new Error(refused ? err.message : codes.GW_ERR_UNAVAILABLE().message) as AuthenticateError
            // [P-1.2] 4 = bad username or password, final; 3 = server unavailable (the registry could not
            // be read): telling a device its good secret is wrong would stop it for good (MQTT.js does)
            e.returnCode = (refused ? 4 : 3) as unknown as AuthenticateError['returnCode']
            done(e, false)
          })
      },
      authorizePublish: (client, packet, done) => (this.integrations.session(client) ? this.integrations.publish(client!, packet, done) : this.ingest.run(client, packet, done)),
      authorizeSubscribe: (client, sub, done) => (this.integrations.session(client) ? this.integrations.subscribe(client!, sub, done) : done(null, this.onSubscribe(client, sub))),
      // observers get only their area's device messages; integration accounts their sandbox and feed; everyone else goes through onForward
      authorizeForward: (client, packet) => (this.observers.session(client)
        ? this.observers.forward(client, packet)
        : this.integrations.session(client) ? this.integrations.forward(client, packet) : this.onForward(client, packet))
    })
    if (!this.cluster) this.forwardOnlyWhenObserved()
    // [P-4.5] commands the broker could not keep are redelivered from the table by the node holding the device:
    // scaled mode, what Redis pub/sub lost on the way; embedded, what a restart took from the sessions in memory
    this.redelivery = new CommandRedelivery(this.broker, store, this.auth.sessions, this.commands, log.child({ part: 'commands' }), now,
      { scope: this.cluster ? 'all' : 'subscribed', ...opts.commandRedelivery })
    this.broker.on('clientReady', (client) => {
      if (this.observers.session(client)) return void log.info({ observer: client.id }, 'observer connected')
      if (this.integrations.session(client)) return void log.info({ integration: client.id }, 'integration client connected')
      this.presence.mark(client.id, { online: true, lastSeenAt: new Date(now()) })
      log.info({ deviceId: client.id }, 'device connected')
    })
    this.broker.on('clientDisconnect', (client) => {
      this.observers.forget(client)
      this.integrations.forget(client)
      const session = this.auth.sessions.get(client)
      if (!session) return
      if (this.movedAway.has(client)) {
        // the device (and a hub's children) went on through another gateway, which tells its presence
        for (const id of session.actsFor) this.presence.forget(id)
        return void log.info({ deviceId: client.id }, 'device connected to another gateway; this connection closed')
      }
      // [P-4.4] the connection dropped: the device, and the children a hub relayed for, are unreachable
      for (const id of session.actsFor) this.presence.mark(id, { online: false, lastSeenAt: new Date(now()) })
      log.info({ deviceId: client.id }, 'device disconnected')
    })
    // [P-4.4] MQTT 3.1.1 §3.1.2.10: aedes closes a connection silent for 1.5 × keepalive, which publishes the will.
    this.broker.on('keepaliveTimeout', (client) => log.info({ deviceId: client.id }, 'keepalive expired'))
    this.broker.on('clientError', (client, err) => log.warn({ deviceId: client?.id, err: err.message }, 'client error'))
    this.broker.on('connectionError', (client, err) => {
      if ((err as Partial<GatewayError>).code === codes.GW_ERR_KEEPALIVE.code) return // logged at preConnect
      log.debug({ deviceId: client?.id, err: err.message }, 'connection error')
    })
  }

  /** The device's (or client's) connection to this broker now, if it has one (aedes keeps them by id; its types do not say so). */
  private clientOf (id: string): Client | undefined {
    return (this.broker as unknown as { clients: Record<string, Client | undefined> }).clients[id]
  }

  /** The bound on telemetry work in progress: messages in flight, shed so far, event-loop delay (metrics, tests). */
  get load (): LoadStats {
    return this.ctx.load.stats
  }

  /** What presence handed to the store since start: change and coarse batches, and their devices (metrics, tests). */
  get presenceStats (): Readonly<PresenceStats> {
    return this.presence.stats
  }

  /** Devices (and observers) connected to this node's broker, for health and metrics. */
  get connectedClients (): number {
    return this.broker.connectedClients
  }

  /**
   * Scaled mode: whether this node hears the cluster — its relays are subscribed and Redis'
   * subscriber connection is up (readiness, http.ts). Null in embedded mode (no cluster).
   */
  get clusterRelayUp (): boolean | null {
    if (!this.cluster) return null
    return this.relayInvalidation !== null && this.cluster.subscriberUp()
  }

  /** Starts the listeners; resolves with the ports actually bound. */
  async listen (opts: ListenOptions): Promise<{ mqtt: number, mqttWs: number | null, mqttTls: number | null }> {
    const host = opts.host ?? '0.0.0.0'
    // aedes 1.x: persistence starts asynchronously and must be awaited before any connection.
    await this.broker.listen()
    if (this.cluster) {
      await relayGatewayEvents(this.broker, this)
      this.relayInvalidation = await relayInvalidations(this.broker, (m) => this.applyInvalidation(m))
    }
    await this.readings?.start()
    // not awaited: a slow or absent database must not hold the listeners (alarms first); until the
    // first read, residents are watched as nodes announce their incidents
    void this.positionWatch?.start()
    this.pruner.start()
    this.redelivery.start()
    // each connection's parser lets go of its idle packet object between messages (parser-idle.ts)
    const handle: ConnectionHandler = (conn, req) => { releaseIdlePacket((this.broker.handle(conn, req) as unknown as { _parser: MqttPacketParser })._parser) }
    // [P-2.1] every listener's connections pass the packet-size guard before aedes sees a byte
    const guard: GuardOptions = {
      maxPacketBytes: this.maxPacketBytes,
      scheduler: this.readScheduler ?? undefined,
      onViolation: (reason, remote, deviceId) => {
        const err = codes.GW_ERR_PACKET_TOO_LARGE(reason)
        this.counters.rejected.too_large = (this.counters.rejected.too_large ?? 0) + 1
        this.emit('message', { kind: 'packet', outcome: 'rejected', code: 'too_large' })
        this.log.warn({ deviceId, remote, code: err.device, err: err.code }, err.message)
      }
    }
    const proxy = this.proxyProtocol
      ? { onRejected: (reason: string, remote: string | undefined) => this.log.warn({ remote, code: 'proxy_protocol' }, `connection closed: ${reason}`) }
      : null
    const backlog = opts.backlog ?? DEFAULT_LISTEN_BACKLOG
    const granted = grantedBacklog(backlog)
    if (granted !== null && granted < backlog) {
      this.log.warn({ backlog, granted }, `the kernel holds ${granted} MQTT handshakes, not the ${backlog} asked (MQTT_LISTEN_BACKLOG): net.core.somaxconn caps it, and in a reconnect storm the devices past it wait out SYN retransmissions (1-15 s); raise it with sysctl -w net.core.somaxconn=${backlog}`)
    }
    const tcp = await listenTcp(handle, { port: opts.mqttPort, host, backlog }, guard, proxy)
    this.servers.push(tcp)
    let mqttWs: number | null = null
    if (opts.mqttWsPort != null) {
      const ws = await listenWebSocket(handle, { port: opts.mqttWsPort, host, backlog }, guard)
      this.servers.push(ws)
      mqttWs = ws.port
    }
    let mqttTls: number | null = null
    if (opts.tls) {
      const tls = await listenTls(handle, opts.tls, { host, backlog }, guard)
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
    return this.publish(deviceTopic(deviceId, 'commands'), command, 1, (packet) => this.commands.stamp(packet, command.id, opts))
  }

  /**
   * [P-3.8] Publishes a WebRTC signal to a device. QoS 0: never queued for an offline session,
   * since an offer delivered minutes later on reconnect would ring for a call long gone.
   */
  publishRtc (deviceId: string, signal: RtcSignalDown): Promise<void> {
    return this.publish(deviceTopic(deviceId, 'rtc/down'), signal, 0)
  }

  /**
   * [P-4.4] A device's freshest sign of life, held in memory (presence writes `lastSeenAt`
   * coarsely); null when this gateway does not hold the device. The API answers the fresher of this and the row.
   */
  lastSeen (deviceId: string): Date | null {
    return this.presence.lastSeen(deviceId)
  }

  /**
   * Forgets a device's cached record after a registry change (secret rotation, removal); its
   * live MQTT connection, if any, is closed at once so it must authenticate again — on every
   * gateway of the cluster (relayed through Redis, issue 13). Without an id, forgets every
   * cached record on this node (connections stay).
   */
  invalidateDevice (deviceId?: string): void {
    if (!deviceId) return this.auth.invalidate()
    this.applyInvalidation({ kind: 'device', id: deviceId })
    this.relayInvalidation?.({ kind: 'device', id: deviceId })
  }

  /** A disabled observer account: its live sessions are closed at once, on every gateway (issue 13). */
  invalidateObserver (observerId: string): void {
    this.applyInvalidation({ kind: 'observer', id: observerId })
    this.relayInvalidation?.({ kind: 'observer', id: observerId })
  }

  /**
   * A resident's detection settings (thresholds, windows) changed: this node's detector reloads
   * them, and in scaled mode every other node's at once, not at its next tick (issue 14).
   */
  async reloadDetectionSettings (residentId: string): Promise<void> {
    this.relayInvalidation?.({ kind: 'detection_settings', id: residentId })
    await this.reloadLocalSettings(residentId)
  }

  private async reloadLocalSettings (residentId: string): Promise<void> {
    await this.readings?.detector?.reloadSettings(residentId).catch((err) => this.log.warn({ err, residentId }, 'detection settings not reloaded; the next tick will'))
  }

  /**
   * Scaled mode (issue 15): the resident has an active incident with a position — every gateway
   * relays their positions from now on, and at once the freshest it already holds (which may be
   * newer than the one the incident opened with: the platform node saw only the coarse copy).
   * Told to the other nodes when new here, or `always` (an opening: another node may have
   * dropped the resident at its last refresh). Embedded: nothing to do, every position is told.
   */
  watchPositions (residentId: string, always = false): void {
    if (this.positionWatch === null) return
    const fresh = this.watchLocally(residentId)
    if (fresh || always) this.relayInvalidation?.({ kind: 'position_watch', id: residentId })
  }

  private watchLocally (residentId: string): boolean {
    if (!this.positionWatch?.add(residentId)) return false
    const last = this.readings?.positions.forResident(residentId)
    if (last) this.emit('position', last)
    return true
  }

  private applyInvalidation (m: Invalidation): void {
    if (m.kind === 'detection_settings') return void this.reloadLocalSettings(m.id)
    if (m.kind === 'position_watch') return void this.watchLocally(m.id)
    const clients = (this.broker as unknown as { clients: Record<string, Client | undefined> }).clients
    if (m.kind === 'device') {
      this.auth.invalidate(m.id)
      this.readings?.invalidateDevice(m.id)
      const client = clients[m.id]
      if (client && this.auth.sessions.has(client)) {
        this.log.info({ deviceId: m.id }, 'device registry changed: its connection is closed')
        client.close()
      }
      return
    }
    for (const client of Object.values(clients)) {
      if (client && this.observers.session(client)?.id === m.id) {
        this.log.info({ observer: client.id }, 'observer disabled: its connection is closed')
        client.close()
      }
    }
  }

  async close (): Promise<void> {
    await this.redelivery.stop() // before the broker: no redelivery to a closing connection
    await Promise.all([
      ...this.servers.map((l) => l.close()),
      new Promise<void>((resolve) => this.broker.close(() => resolve()))
    ])
    this.ctx.load.close()
    await this.pruner.stop()
    await this.inbox.close()
    await this.presence.close()
    this.positionWatch?.close()
    await this.readings?.close()
    await this.cluster?.close()
  }

  // ── subscribe ───────────────────────────────────────────────────────────

  private onSubscribe (client: Client, sub: Subscription): Subscription | null {
    if (this.observers.session(client)) {
      const refusal = observerSubscribeRefusal(sub.topic)
      if (refusal) this.log.warn({ observer: client.id, topic: sub.topic }, refusal)
      else this.observed = true
      return refusal ? null : sub
    }
    const session = this.auth.sessions.get(client)
    if (!session) return null
    const decision = checkSubscribe(session, sub.topic)
    if (decision.ok) return sub
    // [P-2.5] refused with a SUBACK failure (0x80), told on errors, logged with the device id
    refuse(this.ctx, this.log, { deviceId: session.id, topic: sub.topic, ref: null }, codes.GW_ERR_UNAUTHORIZED_TOPIC(decision.reason))
    return null
  }

  /**
   * One process (no cluster): a device's message, recorded by the ingest and PUBACKed, is then
   * handed to aedes' publish only to reach subscribers — and only observers may subscribe to a
   * device's upstream topics (devices: their downstream kinds, no wildcards [P-2.5]; integration
   * accounts: their sandbox and the incident feed; the platform publishes, it does not
   * subscribe). Until the first observer subscription, a device's message that is not retained
   * skips it: per message a packet copy, two topic-trie matches (the offline queue's and the
   * emitter's), a promise and a turn of setImmediate — 10 % of the main thread's CPU at 20,000
   * msg/s (issue 11). Once an observer has subscribed (its session may outlive its connection),
   * every message goes through again. In scaled mode observers on other gateways listen through
   * the shared emitter: this is not installed.
   */
  private forwardOnlyWhenObserved (): void {
    const publish = this.broker.publish.bind(this.broker) as unknown as (packet: PublishPacket, client: Client | null, done?: (err?: Error) => void) => void
    ;(this.broker as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
      if (typeof client === 'function') return publish(packet, null, client)
      if (!this.observed && client && !packet.retain && this.auth.sessions.has(client)) return done?.()
      publish(packet, client, done)
    }
  }

  // ── forward: commands to devices ────────────────────────────────────────

  private onForward<P extends PublishPacket> (client: Client, packet: P): P | null {
    const parsed = parseDeviceTopic(packet.topic)
    if (parsed?.kind !== 'commands' || !this.auth.sessions.has(client)) return packet
    return this.commands.forward(parsed.deviceId, packet) ? packet : null
  }

  private publish (topic: string, body: unknown, qos: 0 | 1, prepare: (p: PublishPacket) => PublishPacket = (p) => p): Promise<void> {
    return new Promise((resolve, reject) => {
      this.broker.publish(prepare({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos, retain: false, dup: false } as PublishPacket),
        (err) => (err ? reject(err) : resolve()))
    })
  }
}
