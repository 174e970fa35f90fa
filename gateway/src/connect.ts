/**
 * [P-1.2] Device authentication at CONNECT: clientId = username = device id, password = the
 * device secret; wrong or missing → CONNACK 4. Observers (read-only accounts) log in through
 * ./observers.ts. Verified device records are cached for a short time; the cache is bounded and
 * only a CONNECT whose secret verified adds to it, so unauthenticated clients cannot grow it.
 */
import type { Client } from 'aedes'
import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import { DEVICE_ID_PATTERN } from '@eldercare/protocols'
import type { DeviceSession } from './acl.ts'
import { BatchLookup } from './batch-lookup.ts'
import { codes, type GatewayError } from './errors.ts'
import { isObserverLogin, type Observers } from './observers.ts'
import { verifyDeviceSecret } from '@eldercare/common'
import type { DeviceRecord, GatewayStore } from './store.ts'

export interface DeviceAuthOptions {
  store: GatewayStore
  observers: Observers
  log: Logger
  /** How long a verified device record is trusted, in ms. Default 30000. */
  cacheTtlMs?: number
  /** Most device records cached. Default 20000. */
  cacheMax?: number
  /** Told of each device whose secret verified (the readings' owner cache is primed from it). */
  onVerified?: (rec: DeviceRecord) => void
}

export class DeviceAuth {
  /** the authenticated device behind each connection */
  readonly sessions = new WeakMap<Client, DeviceSession>()
  private readonly cache: LRUCache<string, DeviceRecord>
  private readonly store: GatewayStore
  private readonly observers: Observers
  private readonly log: Logger
  /** a connect storm's registry reads, a few statements instead of one per CONNECT */
  private readonly lookups: BatchLookup<DeviceRecord>
  private readonly onVerified?: (rec: DeviceRecord) => void

  constructor (opts: DeviceAuthOptions) {
    this.store = opts.store
    this.observers = opts.observers
    this.log = opts.log
    this.onVerified = opts.onVerified
    this.lookups = new BatchLookup((ids) => this.store.findDevices(ids))
    this.cache = new LRUCache({ max: opts.cacheMax ?? 20_000, ttl: opts.cacheTtlMs ?? 30_000 })
  }

  /** Resolves when the client may connect; rejects with GW_ERR_BAD_CREDENTIALS (CONNACK 4). */
  async authenticate (client: Client, username: string | undefined, password: Buffer | undefined): Promise<void> {
    if (isObserverLogin(client.id, username)) {
      if (await this.observers.authenticate(client, username, password)) return
      throw this.refuse({ observer: client.id }, 'connect refused: unknown observer, disabled, or wrong secret')
    }
    if (!username || !password || username !== client.id || !DEVICE_ID_PATTERN.test(username)) {
      throw this.refuse({ deviceId: client.id }, 'connect refused: missing credentials or username ≠ clientId')
    }
    const cached = this.cache.get(username)
    // a cached record is used only while its secret still verifies; otherwise it is read again
    const rec = cached && verifyDeviceSecret(password, cached.secretHash) ? cached : await this.lookups.get(username)
    if (!rec || !verifyDeviceSecret(password, rec.secretHash)) {
      throw this.refuse({ deviceId: username }, 'connect refused: unknown device or wrong secret')
    }
    this.cache.set(username, rec)
    this.onVerified?.(rec)
    this.sessions.set(client, { id: rec.id, type: rec.type, actsFor: new Set([rec.id, ...rec.children]) })
  }

  /** Forgets a cached device record (all, without an id). */
  invalidate (deviceId?: string): void {
    if (deviceId) this.cache.delete(deviceId)
    else this.cache.clear()
  }

  private refuse (who: Record<string, string>, why: string): GatewayError {
    this.log.warn(who, why)
    return codes.GW_ERR_BAD_CREDENTIALS()
  }
}
