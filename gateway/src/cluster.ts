/**
 * Scaled mode (ARCHITECTURE.md, "Runtime modes"): several gateway and platform processes
 * join through Redis. mqemitter-redis carries every PUBLISH between the aedes brokers (a
 * command published on one node reaches a device connected to another), and
 * aedes-persistence-redis keeps sessions, subscriptions, retained messages and queued QoS 1
 * packets where every node sees them ([P-4.5]: a device may reconnect to any gateway).
 *
 * The gateway's facts (`inbox`, `commandAck`, `deviceStatus`) are relayed to the other
 * nodes on `$SYS/eldercare/…` topics — no device may subscribe to those — so a platform
 * node's engine wakes at once for an alarm another gateway recorded.
 */
import { Readable } from 'node:stream'
import { handleDroppedRejections } from '@eldercare/common'
import { Redis } from 'ioredis'
import mqemitterRedis from 'mqemitter-redis'
import AsyncRedisPersistence from 'aedes-persistence-redis/asyncPersistence.js'
import type { EventEmitter } from 'node:events'
import type { Aedes, PublishPacket } from 'aedes'
import type { Logger } from 'pino'
import type { GatewayEvents } from './types/events.ts'

export interface BrokerParts {
  /** aedes `mq` option */
  mq: unknown
  /** aedes `persistence` option */
  persistence: unknown
  /** Redis' subscriber connection is up (ioredis re-subscribes by itself after a reconnection) */
  subscriberUp(): boolean
  close(): Promise<void>
}

/**
 * Adapts aedes-persistence-redis 12 to aedes 1.2:
 * - it yields retained messages from an async generator, while aedes pipes what
 *   `createRetainedStreamCombi` returns: wrap it in a stream;
 * - aedes calls `addSubscriptions`/`removeSubscriptions` once per topic of a SUBSCRIBE, each
 *   time with the whole list, and the persistence waits for its cluster broadcast keyed by the
 *   first topic, so of two identical concurrent calls one never resolves (a device subscribing
 *   to commands and errors in one packet hung): identical calls in flight share one promise.
 */
class RedisPersistence extends AsyncRedisPersistence {
  private readonly inflight = new Map<string, Promise<void>>()

  private once (op: string, client: { id: string }, subs: unknown[], run: () => Promise<void>): Promise<void> {
    const key = `${op}\0${client.id}\0${JSON.stringify(subs)}`
    let p = this.inflight.get(key)
    if (!p) {
      p = run().finally(() => this.inflight.delete(key))
      this.inflight.set(key, p)
    }
    return p
  }

  override addSubscriptions (client: { id: string }, subs: unknown[]): Promise<void> {
    return this.once('add', client, subs, () => super.addSubscriptions(client, subs))
  }

  override removeSubscriptions (client: { id: string }, subs: unknown[]): Promise<void> {
    return this.once('remove', client, subs, () => super.removeSubscriptions(client, subs))
  }

  override createRetainedStreamCombi (patterns: string[]): Readable {
    return Readable.from(super.createRetainedStreamCombi(patterns) as AsyncIterable<unknown>)
  }

  override createRetainedStream (pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern])
  }
}

/**
 * The aedes emitter and persistence backed by the Redis at `redisUrl`. Redis going away must
 * not take the node with it: mqemitter-redis re-emits its connections' errors on `state`, an
 * EventEmitter that throws when nobody listens (a whole cluster died with its Redis, issue 14),
 * so they are logged here while ioredis reconnects by itself; alarms meanwhile go on through
 * PostgreSQL [P-4.1].
 */
export function redisBrokerParts (redisUrl: string, log: Logger): BrokerParts {
  const mq = mqemitterRedis({ connectionString: redisUrl })
  let lastWarned = 0
  ;(mq as unknown as { state: EventEmitter }).state.on('error', (err: Error) => {
    // one line per 5 s, not one per reconnection attempt
    if (Date.now() - lastWarned < 5000) return
    lastWarned = Date.now()
    log.warn({ err: err.message }, 'Redis unreachable: cluster relaying paused, alarms still recorded in the database')
  })
  // commands whose promises the emitter, the persistence or ioredis itself drop must not end the process (common/src/redis.ts)
  const mqConns = mq as unknown as { subConn: object, pubConn: object }
  handleDroppedRejections(mqConns.subConn)
  handleDroppedRejections(mqConns.pubConn)
  const conn = handleDroppedRejections(new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: null }))
  const persistence = new RedisPersistence({ conn })
  const sub = (mq as unknown as { subConn: { status: string } }).subConn
  return {
    mq,
    persistence,
    subscriberUp: () => sub.status === 'ready',
    async close () {
      // aedes closes the emitter itself; the persistence's connection is ours to end. QUIT
      // lets commands still in flight (will and session clean-up of closing clients) finish;
      // the persistence's own destroy() disconnects at once and leaves them rejected unhandled.
      await conn.quit().catch(() => conn.disconnect())
    }
  }
}

// rtc [P-3.8]: a device's signal reaches the platform node whose operator is on the call, wherever the device is connected;
// position (issue 15): a watched wearer's fresher position reaches the node that updates the incident (positions.ts, PositionWatch)
const RELAYED = ['inbox', 'commandAck', 'deviceStatus', 'rtc', 'position'] as const satisfies ReadonlyArray<keyof GatewayEvents>
type Relayed = (typeof RELAYED)[number]
export const CLUSTER_TOPIC_PREFIX = '$SYS/eldercare/'

/**
 * Publishes this node's gateway events to the cluster and re-emits the other nodes' events
 * locally, each exactly once (a node ignores its own relays). Resolves once subscribed.
 */
export async function relayGatewayEvents (broker: Aedes, gateway: EventEmitter<GatewayEvents>): Promise<void> {
  const fromElsewhere = new WeakSet<object>()
  for (const event of RELAYED) {
    const topic = CLUSTER_TOPIC_PREFIX + event
    gateway.on(event, (payload: object) => {
      if (fromElsewhere.has(payload)) return
      const body = Buffer.from(JSON.stringify({ origin: broker.id, payload }))
      broker.publish({ cmd: 'publish', topic, payload: body, qos: 0, retain: false, dup: false } as PublishPacket, () => {})
    })
    await new Promise<void>((resolve) => {
      broker.subscribe(topic, (packet, done) => {
        try {
          const { origin, payload } = JSON.parse(packet.payload.toString()) as { origin: string, payload: object }
          if (origin !== broker.id) {
            fromElsewhere.add(payload)
            ;(gateway.emit as (e: Relayed, p: object) => boolean)(event, payload)
          }
        } catch { /* not one of ours: ignore */ }
        done()
      }, resolve)
    })
  }
}

/**
 * A change every node must apply at once, not after a cache timeout: a registry change to its own
 * connections (issue 13), a resident's detection settings its detector caches (issue 14), or a
 * resident whose positions the cluster now watches (issue 15).
 */
export interface Invalidation { kind: 'device' | 'observer' | 'detection_settings' | 'position_watch', id: string }
const INVALIDATION_KINDS: ReadonlySet<string> = new Set<Invalidation['kind']>(['device', 'observer', 'detection_settings', 'position_watch'])

const INVALIDATION_TOPIC = CLUSTER_TOPIC_PREFIX + 'invalidate'

/**
 * Relays revocations across the cluster: a secret rotated or an observer disabled on one node
 * closes the live session on whichever gateway holds it. `apply` runs for every other node's
 * invalidation; the returned function tells the others of one of ours.
 */
export async function relayInvalidations (broker: Aedes, apply: (m: Invalidation) => void): Promise<(m: Invalidation) => void> {
  await new Promise<void>((resolve) => {
    broker.subscribe(INVALIDATION_TOPIC, (packet, done) => {
      try {
        const { origin, kind, id } = JSON.parse(packet.payload.toString()) as Invalidation & { origin: string }
        if (origin !== broker.id && INVALIDATION_KINDS.has(kind) && typeof id === 'string') apply({ kind, id })
      } catch { /* not one of ours: ignore */ }
      done()
    }, resolve)
  })
  return (m) => {
    broker.publish({ cmd: 'publish', topic: INVALIDATION_TOPIC, payload: Buffer.from(JSON.stringify({ origin: broker.id, ...m })), qos: 0, retain: false, dup: false } as PublishPacket, () => {})
  }
}
