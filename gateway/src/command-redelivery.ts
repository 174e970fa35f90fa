/**
 * [P-3.5][P-4.5] Scaled mode: a command the device's own gateway never heard of is redelivered
 * by that gateway from PostgreSQL.
 *
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
 */
import type { Aedes, Client, PublishPacket } from 'aedes'
import type { Logger } from 'pino'
import { deviceTopic } from '@eldercare/protocols'
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
}

/** aedes' delivery entry point of a client (not in its typings): forwards through authorizeForward and the session queue. */
type DeliveringClient = Client & {
  deliverQoS(packet: PublishPacket, cb: (err?: Error) => void): void
  subscriptions: Record<string, unknown>
}

export class CommandRedelivery {
  private readonly intervalMs: number
  private readonly graceMs: number
  private readonly batch: number
  private readonly readyAt = new WeakMap<Client, number>()
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
    broker.on('clientReady', (client) => this.readyAt.set(client, this.now()))
  }

  start (): void {
    this.timer = setInterval(() => { void this.sweep() }, this.intervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  /** One look (one at a time); resolves with how many commands were handed to their device's connection. */
  sweep (): Promise<number> {
    this.running ??= this.sweepOnce()
      .catch((err) => { this.log.warn({ err }, 'undelivered commands not looked for; next time'); return 0 })
      .finally(() => { this.running = null })
    return this.running
  }

  private async sweepOnce (): Promise<number> {
    const now = this.now()
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
