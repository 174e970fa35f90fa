/**
 * The embedded broker's session store: aedes' own in-memory persistence (aedes-persistence 11, what
 * aedes uses when given none), with one change — retained messages are found by topic, not by a
 * scan of all of them.
 *
 * aedes asks the persistence for the retained messages matching each SUBSCRIBE's topic filters.
 * aedes-persistence's memory store answers every filter by testing every retained topic, and every
 * device keeps one retained message (its `status` [P-1.4]) and subscribes to its `commands` on each
 * connect: a reconnect storm of N devices cost N² topic tests — 10,000 devices back after a
 * district's network cut held the process for ~41 s of CPU (measured here, docs/gateway.md),
 * and the alarms arriving meanwhile waited behind it. A filter without wildcards names one topic:
 * looked up directly, as aedes-persistence-redis already does. Filters with `+` or `#` still test
 * every retained topic, once for all of them, and a topic matched directly is not sent twice
 * (aedes-persistence-redis' behaviour, so the embedded and scaled modes answer alike).
 */
import { Readable } from 'node:stream'
import { CallBackPersistence } from 'aedes-persistence/callBackPersistence.js'
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js'
import { QlobberTrue } from 'qlobber'

/** aedes-persistence's topic options (MQTT wildcards and separator). */
const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/' }

/** What aedes stores and hands back of a retained PUBLISH. */
interface RetainedPacket { topic: string, payload: Buffer | string, [k: string]: unknown }

const hasWildcard = (filter: string): boolean => filter.includes('+') || filter.includes('#')

/** aedes-persistence's memory store with retained messages held by topic. */
export class IndexedRetainedPersistence extends MemoryPersistence {
  /** topic → its retained packet (a copy, as aedes-persistence keeps) */
  private retained = new Map<string, RetainedPacket>()

  /** How many retained messages are held (tests). */
  get retainedCount (): number { return this.retained.size }

  override async storeRetained (pkt: RetainedPacket): Promise<void> {
    const packet = { ...pkt }
    // [MQTT-3.3.1-10] an empty retained payload removes the topic's retained message
    if (packet.payload.length === 0) this.retained.delete(packet.topic)
    else this.retained.set(packet.topic, packet)
  }

  override createRetainedStreamCombi (filters: string[]): Readable {
    return Readable.from(this.matching(filters))
  }

  override createRetainedStream (filter: string): Readable {
    return this.createRetainedStreamCombi([filter])
  }

  override async destroy (): Promise<void> {
    this.retained.clear()
    await super.destroy()
  }

  private * matching (filters: string[]): Generator<RetainedPacket> {
    const sent = new Set<string>()
    let wildcards: QlobberTrue | null = null
    for (const filter of filters) {
      if (hasWildcard(filter)) {
        (wildcards ??= new QlobberTrue(QLOBBER_OPTIONS)).add(filter)
        continue
      }
      const packet = this.retained.get(filter)
      if (packet && !sent.has(filter)) {
        sent.add(filter)
        yield packet
      }
    }
    if (!wildcards) return
    for (const [topic, packet] of this.retained) {
      if (!sent.has(topic) && wildcards.test(topic)) yield packet
    }
  }
}

/** The persistence handed to aedes: its default (the callback layer over the memory store), with retained messages by topic. */
export function memoryPersistence (): CallBackPersistence {
  return new CallBackPersistence(() => new IndexedRetainedPersistence())
}
