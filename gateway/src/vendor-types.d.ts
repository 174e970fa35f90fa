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

// aedes-persistence 11's memory store and its callback layer, as aedes builds its default
// persistence from them (memory-persistence.ts); the package types only its index.
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream'
  export default class MemoryPersistence {
    constructor (opts?: Record<string, unknown>)
    storeRetained (packet: { topic: string, payload: Buffer | string }): Promise<void>
    createRetainedStreamCombi (patterns: string[]): Readable
    createRetainedStream (pattern: string): Readable
    destroy (): Promise<void>
  }
}
declare module 'aedes-persistence/callBackPersistence.js' {
  export class CallBackPersistence {
    constructor (asyncInstanceFactory: (opts?: Record<string, unknown>) => unknown, opts?: Record<string, unknown>)
    readonly asyncPersistence: unknown
  }
}
// qlobber 8 (aedes' topic matcher) ships no types; the one class used here.
declare module 'qlobber' {
  export class QlobberTrue {
    constructor (options?: { separator?: string, wildcard_one?: string, wildcard_some?: string })
    add (topic: string): this
    test (topic: string): boolean
  }
}
