/**
 * The gateway's readings path: [P-3.1] telemetry becomes points for the VitalsStore (through the
 * bounded, batching ReadingsWriter, so ingest never waits for the store) and samples for the
 * detection rules; status and events feed the device-health rules.
 */
import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import type { Crs, Telemetry, TelemetrySample } from '@eldercare/protocols'
import { Detector, type DerivedNotice, type DetectorOptions, type Sample } from './detect/detector.ts'
import { BatchLookup } from './batch-lookup.ts'
import type { DeviceOwner, GatewayStore, Sql } from './store.ts'
import { ReadingsWriter, SqlTrackStore, SqlVitalsStore, type ReadingPoint, type ReadingsWriterOptions, type TrackStore, type VitalsStore } from '@eldercare/readings'
import { PositionTracker, telemetryPositions, toPosition, type Position, type PositionTrackerOptions } from './positions.ts'

export interface ReadingsOptions {
  /** Where readings go. Default: the relational store on the gateway's database. */
  vitalsStore?: VitalsStore
  writer?: ReadingsWriterOptions
  /** Where the 24-hour position track goes. Default: the relational store on the gateway's database. */
  trackStore?: TrackStore
  positions?: PositionTrackerOptions
  /** Detection rules' options; `false` turns detection off. */
  detection?: DetectorOptions | false
  /** How long a device's owner (resident) is cached, in ms. Default 30000. */
  ownerCacheTtlMs?: number
  /**
   * How long owners past their TTL are gathered before they are re-read together, in ms. Default
   * 1000: at 10,000 devices and a 30 s TTL, one statement a second of ~333 ids.
   */
  ownerRefreshDelayMs?: number
  /** Most device owners cached. Default 50000. */
  ownerCacheMax?: number
  /** How often readings past the retention period are pruned, in ms. Default 3600000 (1 h). */
  pruneIntervalMs?: number
}

/** What the readings path works with, named (issue 18: no positional constructor arguments). */
export interface ReadingsDeps {
  /** the gateway's database (detection state; the default relational stores) */
  sql: Sql
  /** the gateway's store: device owners, the inbox for derived alarms */
  store: GatewayStore
  log: Logger
  /** told of each derived alarm once it is durably in the inbox */
  notify: (n: DerivedNotice) => void
  now: () => number
}

/** Device ids per owner lookup statement. */
const OWNER_BATCH = 1000

export class Readings {
  readonly store: VitalsStore
  readonly writer: ReadingsWriter
  readonly detector: Detector | null
  /** each wearable's last known position and the 24-hour track (issue 15) */
  readonly positions: PositionTracker
  /** bounded (issue 11, memory): a device not heard from falls out first; its next reading reads it again */
  private readonly owners: LRUCache<string, { at: number, owner: DeviceOwner | null }>
  private readonly lookups = new Map<string, Promise<DeviceOwner | null>>()
  /** owner reads of many devices in few statements (one in flight; the next gathers what came meanwhile) */
  private readonly ownerReads: BatchLookup<DeviceOwner>
  private readonly ownerTtlMs: number
  /** owners past their TTL, answered from the cache meanwhile, to be re-read together (refreshOwners) */
  private readonly staleOwners = new Set<string>()
  private refreshTimer?: NodeJS.Timeout
  private pruneTimer?: NodeJS.Timeout

  private readonly gwStore: GatewayStore
  private readonly log: Logger
  private readonly now: () => number
  private readonly opts: ReadingsOptions

  constructor ({ sql, store, log, notify, now, ...opts }: ReadingsOptions & ReadingsDeps) {
    this.gwStore = store
    this.log = log
    this.now = now
    this.opts = opts
    this.store = opts.vitalsStore ?? new SqlVitalsStore(sql)
    this.writer = new ReadingsWriter(this.store, log.child({ part: 'readings' }), opts.writer)
    this.positions = new PositionTracker(sql, opts.trackStore ?? new SqlTrackStore(sql), log.child({ part: 'positions' }), opts.positions)
    this.detector = opts.detection === false ? null : new Detector({ sql, store, log: log.child({ part: 'detect' }), notify, now, ...opts.detection })
    this.ownerTtlMs = opts.ownerCacheTtlMs ?? 30_000
    this.owners = new LRUCache({ max: opts.ownerCacheMax ?? 50_000 })
    this.ownerReads = new BatchLookup((ids) => this.gwStore.findDeviceOwners(ids), OWNER_BATCH)
  }

  /**
   * A device's owner as read at CONNECT (its registry row): its first readings need no lookup of
   * their own. A lookup under way is left alone (invalidateDevice decides what it stores).
   */
  primeOwner (owner: DeviceOwner): void {
    if (this.lookups.has(owner.deviceId)) return
    this.owners.set(owner.deviceId, { at: this.now(), owner })
  }

  async start (): Promise<void> {
    await this.store.init().catch((err) => this.log.error({ err, store: this.store.kind }, 'readings store not ready; writes will retry'))
    await this.positions.start()
    await this.detector?.start()
    this.pruneTimer = setInterval(() => {
      this.store.prune(this.now()).then((r) => { if (r.rows || r.partitions) this.log.info({ pruned: r.rows, partitionsDropped: r.partitions }, 'readings past retention pruned') },
        (err) => this.log.warn({ err }, 'readings prune failed'))
      this.positions.track.prune(this.now()).catch((err) => this.log.warn({ err }, 'track prune failed'))
    }, this.opts.pruneIntervalMs ?? 3600_000)
    this.pruneTimer.unref()
  }

  async close (): Promise<void> {
    clearInterval(this.pruneTimer)
    clearTimeout(this.refreshTimer)
    await this.detector?.stop()
    await this.positions.close()
    await this.writer.close()
    await this.store.close()
  }

  /** Forgets cached owners (after a device is reassigned). */
  invalidateDevice (deviceId?: string): void {
    if (deviceId) { this.owners.delete(deviceId); this.lookups.delete(deviceId); this.staleOwners.delete(deviceId) } else { this.owners.clear(); this.lookups.clear(); this.staleOwners.clear() }
  }

  /**
   * [P-3.1] Queues the readings and runs the reading rules; does not wait for the store. A promise
   * only when there is something to wait for (the device's owner not yet known, its rule state
   * being re-read); otherwise done at once — the common case, with no promise per message
   * (issue 11).
   */
  onTelemetry (deviceId: string, message: Telemetry, receivedAt: Date, clockSkew: boolean): Promise<void> | undefined {
    const owner = this.owner(deviceId)
    if (!(owner instanceof Promise)) return this.telemetryOf(owner, deviceId, message, receivedAt, clockSkew)
    return owner.then(
      (o) => this.telemetryOf(o, deviceId, message, receivedAt, clockSkew),
      (err: unknown) => { this.log.error({ err, deviceId }, 'device owner lookup failed: readings of this message not stored') })
  }

  private telemetryOf (owner: DeviceOwner | null, deviceId: string, message: Telemetry, receivedAt: Date, clockSkew: boolean): Promise<void> | undefined {
    if (!owner) return
    const samples = toSamples(message, receivedAt.getTime(), clockSkew)
    const points: ReadingPoint[] = samples.map((s) => ({ ts: s.ts, deviceId, residentId: owner.residentId, fields: s.fields }))
    this.writer.enqueue(points)
    const positions = telemetryPositions(deviceId, owner.residentId, message, receivedAt.getTime(), clockSkew)
    this.positions.update(positions)
    const ready = this.prepare(owner)
    if (ready) return ready.then(() => this.rules(owner, samples, positions))
    this.rules(owner, samples, positions)
  }

  private rules (owner: DeviceOwner, samples: Sample[], positions: Position[]): void {
    this.detect(() => this.detector?.onSamples(owner, samples))
    this.onPositions(owner, positions)
  }

  private onPositions (owner: DeviceOwner, positions: Position[]): void {
    for (const p of [...positions].sort((a, b) => a.at - b.at)) this.detect(() => this.detector?.onPosition(owner, p.at, p))
  }

  /** [P-3.4] battery from status. */
  async onStatus (deviceId: string, battery: number | undefined, at: Date): Promise<void> {
    if (battery === undefined || !this.detector) return
    const owner = await this.healthOwner(deviceId)
    if (owner) { await this.prepare(owner); this.detect(() => this.detector?.onBattery(owner, battery, at.getTime())) }
  }

  /** [P-3.2] an event, already recorded: its `geo` is a position; a `low_battery` event feeds the battery rule. */
  async onEvent (deviceId: string, type: string, at: Date, geo?: { lat: number, lng: number, acc?: number, crs?: Crs }): Promise<void> {
    // not awaited: the alarm is recorded, and its PUBACK [P-4.1] does not wait for a position
    if (geo) void this.eventPosition(deviceId, geo, at)
    if (type !== 'low_battery' || !this.detector) return
    const owner = await this.healthOwner(deviceId)
    if (owner) { await this.prepare(owner); this.detect(() => this.detector?.onBattery(owner, null, at.getTime())) }
  }

  private async eventPosition (deviceId: string, geo: { lat: number, lng: number, acc?: number, crs?: Crs }, at: Date): Promise<void> {
    const owner = await this.healthOwner(deviceId)
    if (!owner) return
    const p = toPosition(deviceId, owner.residentId, geo, at.getTime(), 'event')
    this.positions.update([p])
    await this.prepare(owner)
    this.onPositions(owner, [p])
  }

  /** The rules' state of a device back from another gateway is re-read first; a failure is logged and the rules run on what is here. */
  private prepare (owner: DeviceOwner): Promise<void> | undefined {
    return this.detector?.prepare(owner)?.catch((err) => this.log.warn({ err, deviceId: owner.deviceId }, 'detection state not re-read; rules run on the state in memory'))
  }

  /** A rule's fault is logged; it never fails the device's message. */
  private detect (fn: () => void): void {
    try { fn() } catch (err) { this.log.error({ err }, 'detection rule failed') }
  }

  /** Owner for the device-health hooks; a failed lookup is logged and skips the rule, never the message. */
  private async healthOwner (deviceId: string): Promise<DeviceOwner | null> {
    return Promise.resolve(this.owner(deviceId)).catch((err) => { this.log.warn({ err, deviceId }, 'device owner lookup failed: device-health rule skipped'); return null })
  }

  /**
   * One lookup per device at a time (issue 11): while the database is slow, every message of a
   * device used to start its own lookup of the same row, which made it slower still (at 10,000
   * devices the queue grew by thousands of statements a second). A device not cached waits for its
   * lookup; a stale entry is answered at once and re-read with the other stale entries of the next
   * ownerRefreshDelayMs, in one statement (as they trickled in, a 60 s run at 10,000 devices took
   * 178 statements and 3.9 s of database call time; gathered, 30 and 0.9 s); a reassignment drops the entry
   * explicitly (invalidateDevice). A cached entry is answered as a value, not a promise.
   */
  private owner (deviceId: string): DeviceOwner | null | Promise<DeviceOwner | null> {
    const hit = this.owners.get(deviceId)
    if (hit && this.now() - hit.at < this.ownerTtlMs) return hit.owner
    const lookup = this.lookups.get(deviceId)
    if (!hit) return lookup ?? this.lookUp(deviceId)
    if (!lookup) this.refreshLater(deviceId)
    return hit.owner
  }

  private lookUp (deviceId: string): Promise<DeviceOwner | null> {
    // a lookup overtaken by invalidateDevice() stores nothing
    const current = (): boolean => this.lookups.get(deviceId) === started
    const started: Promise<DeviceOwner | null> = this.ownerReads.get(deviceId).then(
      (owner) => { if (current()) { this.owners.set(deviceId, { at: this.now(), owner }); this.lookups.delete(deviceId) } return owner },
      (err: unknown) => { if (current()) this.lookups.delete(deviceId); throw err })
    this.lookups.set(deviceId, started)
    return started
  }

  private refreshLater (deviceId: string): void {
    this.staleOwners.add(deviceId)
    if (this.refreshTimer) return
    this.refreshTimer = setTimeout(() => this.refreshOwners(), this.opts.ownerRefreshDelayMs ?? 1000)
    this.refreshTimer.unref()
  }

  /**
   * Re-reads the gathered stale owners, all in one turn so BatchLookup puts them in one statement
   * (OWNER_BATCH ids each). An entry primed or dropped since it was gathered, or evicted, is not
   * read; a failed statement keeps the cached owners and is logged once.
   */
  private refreshOwners (): void {
    this.refreshTimer = undefined
    const reads: Array<Promise<unknown>> = []
    const now = this.now()
    for (const id of this.staleOwners) {
      const e = this.owners.peek(id)
      if (e && now - e.at >= this.ownerTtlMs && !this.lookups.has(id)) reads.push(this.lookUp(id))
    }
    this.staleOwners.clear()
    if (reads.length) Promise.all(reads).catch((err: unknown) => this.log.warn({ err, devices: reads.length }, 'device owners not re-read; the cached owners stay until the next refresh'))
  }
}

/**
 * [P-3.1] A single reading set or a batch, as samples of numeric fields (booleans as 0/1; geo is
 * not a reading). [P-2.3] When the device clock is skewed, samples are shifted onto the
 * gateway's clock by the message's offset.
 */
export function toSamples (message: Telemetry, receivedAtMs: number, clockSkew: boolean): Sample[] {
  const raw: TelemetrySample[] = 'samples' in message ? message.samples : [message as TelemetrySample]
  const shift = clockSkew && message.ts !== undefined ? receivedAtMs - message.ts : 0
  const out: Sample[] = []
  for (const s of raw) {
    const fields: Sample['fields'] = { ...s.vitals }
    if (s.bed?.occupied !== undefined) fields.bed_occupied = s.bed.occupied ? 1 : 0
    if (s.bed?.movement !== undefined) fields.bed_movement = s.bed.movement
    if (s.activity?.steps !== undefined) fields.steps = s.activity.steps
    if (s.activity?.motion !== undefined) fields.motion = s.activity.motion ? 1 : 0
    if (Object.keys(fields).length > 0) out.push({ ts: s.ts + shift, fields })
  }
  return out
}
