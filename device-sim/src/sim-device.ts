/**
 * One simulated device speaking device protocol v1 over MQTT.js: authenticates with its
 * id and secret [P-1.2], keeps a persistent session with a retained `status` will [P-1.4],
 * answers commands like firmware [P-3.6], and publishes readings and events. A hub also
 * publishes and takes commands for the devices registered under it [P-1.5].
 */
import mqtt, { type MqttClient } from 'mqtt'
import {
  deviceTopic, type Command, type CommandAck, type DeviceErrorMessage, type DeviceEvent, type DeviceStatusMessage,
  type EventType, type IntercomEvent, type RtcSignalDown, type TelemetrySample, type UpstreamKind, parseDeviceTopic
} from '@eldercare/protocols'
import { firmwareResponse } from './firmware.ts'

export interface DeviceCredentials {
  id: string
  secret: string
  type: string
}

export interface SimDeviceOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  url: string
  credentials: DeviceCredentials
  /** Keepalive, in seconds. Default 30 ([P-1.4]: ≤ 60). */
  keepaliveS?: number
  /** Answers commands like firmware (see firmware.ts) automatically. Default true. */
  autoAck?: boolean
  now?: () => number
  /** Ids of devices this hub relays [P-1.5]: it subscribes to and publishes on their topics too. */
  children?: string[]
  /** Prefix of message ids; default the connect time in base 36 (unique across runs, as [P-2.4] requires). */
  idPrefix?: string
  /** Sees every message this device publishes (traces, counters). */
  onSend?: (topic: string, body: unknown, qos: 0 | 1) => void
  /** Sees every error the gateway reports on `errors` [P-3.7]. */
  onError?: (e: DeviceErrorMessage) => void
  /** How long connect() keeps trying through network errors, in ms. Default 30000. */
  connectTimeoutMs?: number
  /** Reconnect delay after a lost connection, in ms. Default 2000. */
  reconnectPeriodMs?: number
}

export class SimDevice {
  readonly id: string
  readonly commands: Command[] = []
  readonly errors: DeviceErrorMessage[] = []
  private client?: MqttClient
  private seq = 0
  /** the call in progress on an intercom, answered by `intercom.*` commands */
  activeCall: { callId: string, deviceId: string, answered?: boolean } | null = null
  private readonly now: () => number
  private readonly listeners = new Set<(c: Command) => void>()
  private readonly rtcListeners = new Set<(s: RtcSignalDown) => void>()

  constructor (private readonly opts: SimDeviceOptions) {
    this.id = opts.credentials.id
    this.now = opts.now ?? Date.now
  }

  async connect (): Promise<void> {
    const { id, secret } = this.opts.credentials
    const timeoutMs = this.opts.connectTimeoutMs ?? 30_000
    const client = mqtt.connect(this.opts.url, {
      clientId: id, username: id, password: secret,
      clean: false, keepalive: this.opts.keepaliveS ?? 30, reconnectPeriod: this.opts.reconnectPeriodMs ?? 2000, reconnectOnConnackError: true,
      will: { topic: deviceTopic(id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
    })
    this.client = client
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
    // later network errors only mean a reconnect (MQTT.js does it); without a listener they would throw.
    // A refused CONNACK: 3 (server unavailable) is worth retrying (reconnectOnConnackError); 4 and 5
    // (bad or unauthorised credentials) are final: the device stops.
    client.on('error', (err: Error & { code?: unknown }) => {
      if (typeof err.code === 'number' && err.code !== 3) client.end(true)
    })
    client.on('connect', () => {
      // Publish the retained online status on every (re)connect.
      const status: DeviceStatusMessage = { online: true, ts: this.now() }
      client.publish(deviceTopic(id, 'status'), JSON.stringify(status), { qos: 1, retain: true })
    })
    await new Promise<void>((resolve, reject) => {
      // A refused login (CONNACK 4/5) is final; a network error (reset, refused while the
      // broker is busy) is retried by MQTT.js until connectTimeoutMs.
      const timer = setTimeout(() => { done(); client.end(true); reject(new Error(`device ${id}: no connection within ${timeoutMs} ms`)) }, timeoutMs)
      const onError = (err: Error & { code?: unknown }) => {
        if (typeof err.code !== 'number') return
        done()
        reject(err)
      }
      const onConnect = () => { done(); resolve() }
      const done = () => { clearTimeout(timer); client.off('error', onError); client.off('connect', onConnect) }
      client.on('error', onError)
      client.once('connect', onConnect)
    })
    const ids = [id, ...(this.opts.children ?? [])]
    await client.subscribeAsync(ids.flatMap((d) => [deviceTopic(d, 'commands'), deviceTopic(d, 'errors')]), { qos: 1 })
    // [P-3.8] an intercom takes part in WebRTC calls: the centre's offers arrive on rtc/down
    if (this.opts.credentials.type === 'intercom') await client.subscribeAsync(deviceTopic(id, 'rtc/down'), { qos: 1 })
  }

  get connected (): boolean {
    return this.client?.connected ?? false
  }

  /** [P-3.8] Sees each WebRTC signal the centre sends this intercom (see intercom.ts). */
  onRtc (fn: (s: RtcSignalDown) => void): () => void {
    this.rtcListeners.add(fn)
    return () => this.rtcListeners.delete(fn)
  }

  onCommand (fn: (c: Command) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  nextId (prefix: string): string {
    return `${prefix}-${this.opts.idPrefix ?? this.now().toString(36)}-${++this.seq}`
  }

  /** Publishes an event with QoS 1; resolves once the gateway has PUBACKed it (durably recorded [P-4.1]). */
  async event (type: EventType, extra: Partial<DeviceEvent> = {}): Promise<DeviceEvent> {
    const e: DeviceEvent = { id: this.nextId('e'), ts: this.now(), type, ...extra }
    await this.publish('events', e, 1)
    return e
  }

  async intercom (type: IntercomEvent['type'], callId: string): Promise<IntercomEvent> {
    const e: IntercomEvent = { id: this.nextId('i'), ts: this.now(), type, callId }
    await this.publish('intercom', e, 1)
    return e
  }

  async telemetry (body: TelemetrySample | { ts?: number, samples: TelemetrySample[] }, qos: 0 | 1 = 0): Promise<void> {
    await this.publish('telemetry', { id: this.nextId('t'), ...body }, qos)
  }

  async status (s: Omit<DeviceStatusMessage, 'online'> & { online?: boolean }): Promise<void> {
    await this.publish('status', { online: true, ts: this.now(), ...s }, 1, true)
  }

  async publish (kind: UpstreamKind, body: unknown, qos: 0 | 1, retain = false): Promise<void> {
    await this.publishAs(this.id, kind, body, qos, retain)
  }

  /** Publishes under `deviceId`: this device's own id, or for a hub one of its children's [P-1.5]. */
  async publishAs (deviceId: string, kind: UpstreamKind, body: unknown, qos: 0 | 1, retain = false): Promise<void> {
    if (!this.client) throw new Error(`device ${this.id} is not connected`)
    const topic = deviceTopic(deviceId, kind)
    this.opts.onSend?.(topic, body, qos)
    await this.client.publishAsync(topic, JSON.stringify(body), { qos, retain })
  }

  /** Drops the connection without a clean DISCONNECT, so the broker publishes the will. */
  drop (): void {
    this.client?.stream.destroy()
  }

  /** Goes offline like a device losing power: no DISCONNECT (the will is published), no reconnect until `online()`. */
  offline (): void {
    if (!this.client) return
    this.client.options.reconnectPeriod = 0
    this.client.stream.destroy()
  }

  /** Comes back after `offline()`; resolves when connected. */
  async online (): Promise<void> {
    const client = this.client
    if (!client || client.connected) return
    client.options.reconnectPeriod = this.opts.reconnectPeriodMs ?? 2000
    await new Promise<void>((resolve) => { client.once('connect', () => resolve()); client.reconnect() })
  }

  async close (): Promise<void> {
    await this.client?.endAsync()
  }

  private onMessage (topic: string, payload: Buffer): void {
    let body: unknown
    try { body = JSON.parse(payload.toString('utf8')) } catch { return }
    if (topic.endsWith('/errors')) {
      this.errors.push(body as DeviceErrorMessage)
      this.opts.onError?.(body as DeviceErrorMessage)
      return
    }
    if (topic.endsWith('/rtc/down')) {
      for (const fn of this.rtcListeners) fn(body as RtcSignalDown)
      return
    }
    const command = body as Command
    const target = parseDeviceTopic(topic)?.deviceId ?? this.id
    this.commands.push(command)
    for (const fn of this.listeners) fn(command)
    if (this.opts.autoAck !== false) void this.answer(target, command).catch(() => {})
  }

  /** [P-3.6] Does what the command asks (firmware.ts), then acknowledges it on the target's `commands/ack`. */
  private async answer (target: string, command: Command): Promise<void> {
    const { ack, then } = firmwareResponse(command, { type: this.opts.credentials.type, activeCall: this.activeCall?.deviceId === target ? this.activeCall : null })
    if (then?.intercom) {
      const e: IntercomEvent = { id: this.nextId('i'), ts: this.now(), type: then.intercom, callId: then.callId! }
      if (then.intercom === 'call_answered' && this.activeCall) this.activeCall.answered = true
      if (then.intercom === 'call_ended') this.activeCall = null
      await this.publishAs(target, 'intercom', e, 1)
    }
    if (then?.event) await this.publishAs(target, 'events', { id: this.nextId('e'), ts: this.now(), type: then.event }, 1)
    const body: CommandAck = { id: command.id, ts: this.now(), ...ack }
    await this.publishAs(target, 'commands/ack', body, 1)
  }
}
