// aedes-persistence-redis ships no types; its async class is what aedes 1.x needs.
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  import type { Redis, RedisOptions } from 'ioredis'
  export default class AsyncRedisPersistence {
    constructor (opts?: RedisOptions & { conn?: Redis, maxSessionDelivery?: number, packetTTL?: (packet: unknown) => number })
    destroy (): Promise<void>
    addSubscriptions (client: { id: string }, subs: unknown[]): Promise<void>
    removeSubscriptions (client: { id: string }, subs: unknown[]): Promise<void>
    createRetainedStreamCombi (patterns: string[]): AsyncIterable<unknown> | NodeJS.ReadableStream
    createRetainedStream (pattern: string): AsyncIterable<unknown> | NodeJS.ReadableStream
  }
}
