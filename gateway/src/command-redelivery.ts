/**
 * [P-3.5][P-4.5] A command the broker could not keep for its device is redelivered from the
 * `commands` table by the gateway holding the device.
 *
 * Scaled mode (`scope: 'all'`):
 * A command published on one node reaches a device on another through Redis pub/sub
 * (./cluster.ts), which keeps nothing for a subscriber that is away. When Redis returns, each
 * node's subscriber connection comes back on its own reconnection timer (up to 2 s apart), and a
 * command published meanwhile stayed in the device's session queue while the device, still
 * connected, never got it — silently, until its next reconnection or its expiry (issue 14).
 *
 * The `commands` table is the truth: a command is `sent` with no `delivered_at` until a gateway
 * forwards it. So every node looks, every `intervalMs`, for commands older than `graceMs` (a
 * live delivery marks them within milliseconds) that were never delivered, and delivers those
 * whose device's `commands` subscription it holds — the same packet identity the queue holds
 * (./command-delivery.ts), so the device's PUBACK clears it. A device connected for less than
 * `graceMs` is left to aedes, which empties its session queue on connect. Commands to devices
 * connected nowhere wait in their queue as before and end `timed_out` at their expiry
 * (platform commands sweep), so every command is delivered or reported, none silently lost.
 *
 * Embedded mode (`scope: 'subscribed'`): the broker's sessions live in the process's memory. A
 * restart empties them — the commands queued for devices that were away, and the subscriptions a
 * command given before the device is back would have waited in — while the table still says
 * `sent`. Nothing is missed while the process runs (the publish and the connection are in one
 * process), so nothing is read on a timer: when a device subscribes to its `commands` (on every
 * connect without a session, so on every first connect after a restart), its undelivered
 * commands are read `graceMs` later, the devices subscribing within one `intervalMs` in one
 * statement — a reconnect storm of 10,000 devices is a statement a second, a quiet hour none.
 */
import type { Aedes, Client, PublishPacket } from 'aedes'
import type { Logger } from 'pino'
import { deviceTopic, parseDeviceTopic } from '@eldercare/protocols'
import type { DeviceSession } from './acl.ts'
import type { CommandDelivery } from './command-delivery.ts'
import type { GatewayStore, UndeliveredCommand } from './store.ts'

export interface CommandRedeliveryOptions {
  /** How often undelivered commands are looked for, in ms. Default 1000. */
  intervalMs?: number
  /** How old an undelivered command must be before it is redelivered, in ms. Default 2000. */
  graceMs?: number
  /** Most commands read per look. Default 2000. */
  batch?: number
  /**
   * Which commands a look reads: 'all' undelivered ones, every `intervalMs` (scaled mode), or
   * only those of the devices that subscribed to their commands `graceMs` before (embedded).
   * Default 'all'.
   */
  scope?: 'all' | 'subscribed'
}

/** At most this many devices' commands are read by one statement in the 'subscribed' scope. */
const DEVICES_PER_LOOK = 1000

/** aedes' delivery entry point of a client (not in its typings): forwards through authorizeForward and the session queue. */
type DeliveringClient = Client & {
  deliverQoS(packet: PublishPacket, cb: (err?: Error) => void): void
  subscriptions: Record<string, unknown>
}

export class CommandRedelivery {
  private readonly intervalMs: number
  private readonly graceMs: number
  private readonly batch: number
  private readonly scope: 'all' | 'subscribed'
  private readonly readyAt = new WeakMap<Client, number>()
  /** 'subscribed' scope: device id → when its commands subscription was made, until looked at */
  private readonly subscribedAt = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private running: Promise<number> | null = null

  constructor (
    private readonly broker: Aedes,
    private readonly store: GatewayStore,
    private readonly sessions: WeakMap<Client, DeviceSession>,
    private readonly delivery: CommandDelivery,
    private readonly log: Logger,
    private readonly now: () => number,
    opts: CommandRedeliveryOptions = {}
  ) {
    this.intervalMs = opts.intervalMs ?? 1000
    this.graceMs = opts.graceMs ?? 2000
    this.batch = opts.batch ?? 2000
    this.scope = opts.scope ?? 'all'
    if (this.scope === 'all') {
      // a device connected for less than graceMs is left to aedes, which empties its queue (sweepOnce)
      broker.on('clientReady', (client) => this.readyAt.set(client, this.now()))
    } else {
      broker.on('subscribe', (subscriptions, client) => {
        if (!client || !this.sessions.has(client)) return
        for (const { topic } of subscriptions) {
          const parsed = parseDeviceTopic(topic)
          if (parsed?.kind === 'commands') this.subscribedAt.set(parsed.deviceId, this.now())
        }
      })
    }
  }

  /** Devices whose commands subscription waits to be looked at ('subscribed' scope). */
  get waiting (): number {
    return this.subscribedAt.size
  }

  start (): void {
    this.timer = setInterval(() => { void this.sweep() }, this.intervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  /** One look (one at a time); resolves with how many commands were handed to their device's connection (or published again). */
  sweep (): Promise<number> {
    this.running ??= this.sweepOnce()
      .catch((err) => { this.log.warn({ err }, 'undelivered commands not looked for; next time'); return 0 })
      .finally(() => { this.running = null })
    return this.running
  }

  private async sweepOnce (): Promise<number> {
    const now = this.now()
    if (this.scope === 'subscribed') return this.lookSubscribed(now)
    const rows = await this.store.undeliveredCommands(new Date(now - this.graceMs), new Date(now), this.batch)
    if (rows.length === 0) return 0
    const clients = (this.broker as unknown as { clients: Record<string, DeliveringClient | undefined> }).clients
    let hubs: Map<string, DeliveringClient> | null = null
    let handed = 0
    for (const row of rows) {
      const topic = deviceTopic(row.deviceId, 'commands')
      let client = clients[row.deviceId]
      if (!client || !this.holds(client, topic)) {
        // a hub's child: its commands topic is subscribed by the hub's connection [P-1.5]
        hubs ??= this.hubsByChild(clients)
        client = hubs.get(row.deviceId)
        if (!client || !this.holds(client, topic)) continue
      }
      // just connected: aedes is emptying its session queue, which holds this command
      if (now - (this.readyAt.get(client) ?? now) < this.graceMs) continue
      this.log.info({ deviceId: row.deviceId, commandId: row.id }, 'command not delivered by the cluster: redelivered by the gateway holding the device')
      client.deliverQoS(this.packet(topic, row), () => {})
      handed++
    }
    return handed
  }

  /**
   * Embedded: the undelivered commands of the devices that subscribed to them `graceMs` ago are
   * published again, as when they were given — to the device's connection, or into its session
   * if it went away meanwhile. A command given while the device was subscribed was delivered
   * then (`delivered_at`), so what is found is what a restart took from the broker's memory.
   */
  private async lookSubscribed (now: number): Promise<number> {
    const devices = this.due(now - this.graceMs)
    if (devices.size === 0) return 0
    let rows: UndeliveredCommand[]
    try {
      rows = await this.store.undeliveredCommands(new Date(now - this.graceMs), new Date(now), this.batch, [...devices.keys()])
    } catch (err) {
      this.again(devices)
      throw err
    }
    // more than one look's worth: these devices are looked at again (what is published now is delivered by then)
    if (rows.length === this.batch) this.again(devices)
    let published = 0
    for (const row of rows) {
      // given after the device subscribed: delivered then (its delivered_at may still be on its way)
      if (row.createdAt >= devices.get(row.deviceId)!) continue
      published++
      this.log.info({ deviceId: row.deviceId, commandId: row.id }, 'command the broker no longer held (restart): published again')
      this.broker.publish(this.packet(deviceTopic(row.deviceId, 'commands'), row), (err) => {
        if (err) this.log.warn({ deviceId: row.deviceId, commandId: row.id, err }, 'command not published again')
      })
    }
    return published
  }

  /** Puts devices back, with when they subscribed, for the next look (unless they subscribed again meanwhile). */
  private again (devices: Map<string, number>): void {
    for (const [id, at] of devices) if (!this.subscribedAt.has(id)) this.subscribedAt.set(id, at)
  }

  /** Takes the devices (at most DEVICES_PER_LOOK) that subscribed to their commands before `before`, with when. */
  private due (before: number): Map<string, number> {
    const due = new Map<string, number>()
    for (const [id, at] of this.subscribedAt) {
      if (at > before) continue
      this.subscribedAt.delete(id)
      due.set(id, at)
      if (due.size === DEVICES_PER_LOOK) break
    }
    return due
  }

  private holds (client: DeliveringClient, topic: string): boolean {
    return this.sessions.has(client) && client.subscriptions?.[topic] !== undefined && !(client as unknown as { closed?: boolean }).closed
  }

  private hubsByChild (clients: Record<string, DeliveringClient | undefined>): Map<string, DeliveringClient> {
    const by = new Map<string, DeliveringClient>()
    for (const client of Object.values(clients)) {
      const session = client ? this.sessions.get(client) : undefined
      if (!client || !session || session.actsFor.size < 2) continue
      for (const id of session.actsFor) if (id !== session.id) by.set(id, client)
    }
    return by
  }

  /** The command as first published ([P-3.5] body), with the identity and expiry of the queued packet. */
  private packet (topic: string, row: UndeliveredCommand): PublishPacket {
    const body = row.args ? { id: row.id, ts: row.createdAt, type: row.type, args: row.args } : { id: row.id, ts: row.createdAt, type: row.type }
    const packet = { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false, dup: false, messageId: undefined } as unknown as PublishPacket
    return this.delivery.stamp(packet, row.id, row.expiresAt === null ? {} : { expiresAt: row.expiresAt })
  }
}
