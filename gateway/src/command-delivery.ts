/**
 * [P-3.5][P-4.5] Command delivery: the broker queues a command for an offline device with
 * a persistent session; when it is finally forwarded, an expired command is dropped instead,
 * and a delivered one gets its `delivered_at`, from which its acknowledgement deadline runs.
 *
 * The expiry travels on the packet itself (`messageExpiry`, absolute epoch ms, which
 * aedes-packet copies and the persistence stores with the queued packet), so it holds
 * whichever gateway node finally delivers the command and across a broker's queue.
 */
import type { Logger } from 'pino'
import type { PublishPacket } from 'aedes'
import type { GatewayStore } from './store.ts'

export interface CommandPublishOptions {
  /** Epoch ms after which the command must not be delivered any more. */
  expiresAt?: number
}

type ExpiringPacket = PublishPacket & { messageExpiry?: number }

export class CommandDelivery {
  constructor (private readonly store: GatewayStore, private readonly log: Logger, private readonly now: () => number) {}

  /** Marks a command packet with its expiry before it is published. */
  stamp (packet: PublishPacket, opts: CommandPublishOptions): PublishPacket {
    if (opts.expiresAt !== undefined) (packet as ExpiringPacket).messageExpiry = opts.expiresAt
    return packet
  }

  /** Called as the broker forwards a command to a device: false drops it. */
  forward (deviceId: string, packet: PublishPacket): boolean {
    const id = readCommandId(packet.payload)
    const expiresAt = (packet as ExpiringPacket).messageExpiry
    if (expiresAt !== undefined && expiresAt < this.now()) {
      this.log.info({ deviceId, commandId: id }, 'expired command not delivered')
      return false
    }
    if (id !== null) {
      this.store.markCommandDelivered(deviceId, id, new Date(this.now()))
        .catch((err) => this.log.warn({ deviceId, commandId: id, err }, 'could not record command delivery'))
    }
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
