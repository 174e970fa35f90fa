/**
 * [P-3.5][P-4.5] Command delivery: the broker queues a command for an offline device with
 * a persistent session; when it is finally forwarded, an expired command is dropped instead,
 * and a delivered one gets its `delivered_at`, from which its acknowledgement deadline runs.
 */
import type { Logger } from 'pino'
import type { PublishPacket } from 'aedes'
import type { GatewayStore } from './store.ts'

export interface CommandPublishOptions {
  /** Epoch ms after which the command must not be delivered any more. */
  expiresAt?: number
}

export class CommandDelivery {
  /** command id → expiry (epoch ms) */
  private readonly expiries = new Map<string, number>()

  constructor (private readonly store: GatewayStore, private readonly log: Logger, private readonly now: () => number) {}

  register (commandId: string, opts: CommandPublishOptions): void {
    if (opts.expiresAt === undefined) return
    this.expiries.set(commandId, opts.expiresAt)
    // Commands are few; forget long-expired ones now and then so the map cannot grow.
    if (this.expiries.size > 1000) for (const [id, at] of this.expiries) if (at < this.now()) this.expiries.delete(id)
  }

  /** Called as the broker forwards a command to a device: false drops it. */
  forward (deviceId: string, packet: PublishPacket): boolean {
    const id = readCommandId(packet.payload)
    if (id === null) return true
    const expiresAt = this.expiries.get(id)
    if (expiresAt !== undefined && expiresAt < this.now()) {
      this.expiries.delete(id)
      this.log.info({ deviceId, commandId: id }, 'expired command not delivered')
      return false
    }
    // the entry stays until it expires: a resend of an unacknowledged delivery is held to the same expiry
    this.store.markCommandDelivered(deviceId, id, new Date(this.now()))
      .catch((err) => this.log.warn({ deviceId, commandId: id, err }, 'could not record command delivery'))
    return true
  }
}

function readCommandId (payload: PublishPacket['payload']): string | null {
  try {
    const body = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8')) as { id?: unknown }
    return typeof body.id === 'string' ? body.id : null
  } catch {
    return null
  }
}
