/**
 * One simulated device speaking device protocol v1 over MQTT.js: authenticates with its
 * id and secret [P-1.2], keeps a persistent session with a retained `status` will [P-1.4],
 * answers commands like firmware [P-3.6], and publishes readings and events.
 */
import mqtt, { type MqttClient } from 'mqtt'
import {
  deviceTopic, type Command, type CommandAck, type DeviceErrorMessage, type DeviceEvent, type DeviceStatusMessage,
  type EventType, type IntercomEvent, type TelemetrySample
} from '@eldercare/protocols'

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
  /** Answers commands with `ok: true` automatically. Default true. */
  autoAck?: boolean
  now?: () => number
}

export class SimDevice {
  readonly id: string
  readonly commands: Command[] = []
  readonly errors: DeviceErrorMessage[] = []
  private client?: MqttClient
  private seq = 0
  private readonly now: () => number
  private readonly listeners = new Set<(c: Command) => void>()

  constructor (private readonly opts: SimDeviceOptions) {
    this.id = opts.credentials.id
    this.now = opts.now ?? Date.now
  }

  async connect (): Promise<void> {
    const { id, secret } = this.opts.credentials
    const client = mqtt.connect(this.opts.url, {
      clientId: id, username: id, password: secret,
      clean: false, keepalive: this.opts.keepaliveS ?? 30, reconnectPeriod: 2000,
      will: { topic: deviceTopic(id, 'status'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true }
    })
    this.client = client
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
    client.on('connect', () => {
      // Publish the retained online status on every (re)connect.
      const status: DeviceStatusMessage = { online: true, ts: this.now() }
      client.publish(deviceTopic(id, 'status'), JSON.stringify(status), { qos: 1, retain: true })
    })
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
    })
    await client.subscribeAsync([deviceTopic(id, 'commands'), deviceTopic(id, 'errors')], { qos: 1 })
  }

  onCommand (fn: (c: Command) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  nextId (prefix: string): string {
    return `${prefix}-${this.now().toString(36)}-${++this.seq}`
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

  async publish (kind: 'events' | 'intercom' | 'telemetry' | 'status' | 'commands/ack', body: unknown, qos: 0 | 1, retain = false): Promise<void> {
    if (!this.client) throw new Error(`device ${this.id} is not connected`)
    await this.client.publishAsync(deviceTopic(this.id, kind), JSON.stringify(body), { qos, retain })
  }

  /** Drops the connection without a clean DISCONNECT, so the broker publishes the will. */
  drop (): void {
    this.client?.stream.destroy()
  }

  async close (): Promise<void> {
    await this.client?.endAsync()
  }

  private onMessage (topic: string, payload: Buffer): void {
    let body: unknown
    try { body = JSON.parse(payload.toString('utf8')) } catch { return }
    if (topic.endsWith('/errors')) { this.errors.push(body as DeviceErrorMessage); return }
    const command = body as Command
    this.commands.push(command)
    for (const fn of this.listeners) fn(command)
    if (this.opts.autoAck !== false) {
      const ack: CommandAck = { id: command.id, ts: this.now(), ok: true }
      void this.publish('commands/ack', ack, 1).catch(() => {})
    }
  }
}
