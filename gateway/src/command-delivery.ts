/**
 * [P-3.5][P-4.5] Command delivery: the broker queues a command for an offline device with
 * a persistent session; when it is finally forwarded, an expired command is dropped instead,
 * and a delivered one gets its `delivered_at`, from which its acknowledgement deadline runs.
 *
 * The expiry travels on the packet itself (`messageExpiry`, absolute epoch ms, which
 * aedes-packet copies and the persistence stores with the queued packet), so it holds
 * whichever gateway node finally delivers the command and across a broker's queue.
 *
 * So does the command's identity: the packet's `brokerId` is the command id (and its
 * `brokerCounter` 1), which is what aedes keys a queued packet by (`packet:<brokerId>:<counter>`
 * in Redis) and what it de-duplicates deliveries to one connection by. The gateway that
 * redelivers a command from PostgreSQL (./command-redelivery.ts) therefore sends the very packet
 * the device's session queue holds: the device's PUBACK clears it, no second copy waits for its
 * next connection, and a redelivery racing a late live one reaches the connection once.
 */
import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import type { PublishPacket } from 'aedes'
import type { GatewayStore } from './store.ts'

export interface CommandPublishOptions {
  /** Epoch ms after which the command must not be delivered any more. */
  expiresAt?: number
}

type ExpiringPacket = PublishPacket & { messageExpiry?: number, brokerId?: string, brokerCounter?: number }

/** A command id usable as aedes' `brokerId`: aedes-persistence-redis splits its keys on ':'. */
const STAMPABLE_ID = /^[A-Za-z0-9_.-]{1,100}$/

export class CommandDelivery {
  /** Commands a device has answered (here, or on another node: relayed `commandAck`), so a queued copy is not delivered again. */
  private readonly answered = new LRUCache<string, true>({ max: 50_000, ttl: 3_600_000 })

  constructor (private readonly store: GatewayStore, private readonly log: Logger, private readonly now: () => number) {}

  /** Marks a command packet with its identity and expiry before it is published. */
  stamp (packet: PublishPacket, commandId: string, opts: CommandPublishOptions): PublishPacket {
    const p = packet as ExpiringPacket
    if (opts.expiresAt !== undefined) p.messageExpiry = opts.expiresAt
    if (STAMPABLE_ID.test(commandId)) {
      p.brokerId = commandId
      p.brokerCounter = 1
    }
    return packet
  }

  /** [P-3.6] The device answered this command: a copy still queued somewhere is not delivered again. */
  answeredBy (commandId: string): void {
    this.answered.set(commandId, true)
  }

  /** Called as the broker forwards a command to a device: false drops it. */
  forward (deviceId: string, packet: PublishPacket): boolean {
    const id = readCommandId(packet.payload)
    const expiresAt = (packet as ExpiringPacket).messageExpiry
    if (expiresAt !== undefined && expiresAt < this.now()) {
      this.log.info({ deviceId, commandId: id }, 'expired command not delivered')
      return false
    }
    if (id !== null && this.answered.has(id)) {
      this.log.info({ deviceId, commandId: id }, 'command already answered: queued copy not delivered again')
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
