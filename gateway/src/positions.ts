/**
 * Where each wearable is (issue 15). The last known position of every device is kept in memory —
 * the incident engine and the console ask for it far more often than it changes hands — and
 * persisted **coarsely**: changed devices are upserted into `positions_last` every
 * `persistIntervalMs` (default 30 s) and at shutdown, never per message, POSITION_ROWS_PER_STATEMENT
 * devices a statement in the background lane. Every position also goes
 * to the 24-hour track (a TrackStore, through the bounded ReadingsWriter, so ingest never waits).
 * All positions are WGS-84: a device's declared `crs` is converted on ingest [P-3.1].
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { toWgs84, type Crs, type Telemetry, type TelemetrySample } from '@eldercare/protocols'
import { ReadingsWriter, type LivePosition, type PositionSource, type ReadingsWriterOptions, type TrackPoint, type TrackStore } from '@eldercare/readings'
import type { Sql } from './store.ts'

/** A wearable's position (`@eldercare/readings`' `LivePosition`: the platform reads the same shape). */
export type Position = LivePosition

export interface PositionTrackerOptions {
  /** How often changed last positions are written to `positions_last`, in ms. Default 30000. */
  persistIntervalMs?: number
  writer?: ReadingsWriterOptions
}

/**
 * Last positions per upsert (issue 11, seventeenth session). The changed devices of a round were one
 * statement: on PGlite, where statements run one at a time, 10,000 wearables' positions took
 * 190–240 ms and 50,000 1.0–1.6 s every 30 s, on the normal lane — every alarm arriving then waited
 * for it. 100 a statement in the background lane (as presence's PRESENCE_ROWS_PER_STATEMENT):
 * an alarm-lane statement waits for at most one.
 */
export const POSITION_ROWS_PER_STATEMENT = 100

const POSITIONS_LAST_UPSERT = `insert into positions_last (device_id, resident_id, lat, lng, acc, at, source, updated_at)
       select device_id, resident_id, lat, lng, acc, at, source, now()
         from jsonb_to_recordset($1::jsonb) as x(device_id text, resident_id text, lat float8, lng float8, acc float8, at timestamptz, source text)
       on conflict (device_id) do update set resident_id = excluded.resident_id, lat = excluded.lat, lng = excluded.lng,
         acc = excluded.acc, at = excluded.at, source = excluded.source, updated_at = now()
       where positions_last.at <= excluded.at`

export class PositionTracker extends EventEmitter<{ position: [Position] }> {
  readonly writer: ReadingsWriter<TrackPoint>
  private readonly last = new Map<string, Position>()
  private readonly dirty = new Set<string>()
  private timer?: NodeJS.Timeout
  /** the rounds of writes, one at a time in order (as presence's flushes) */
  private persisting: Promise<void> = Promise.resolve()

  constructor (private readonly sql: Sql, readonly track: TrackStore, private readonly log: Logger, private readonly opts: PositionTrackerOptions = {}) {
    super()
    this.writer = new ReadingsWriter<TrackPoint>(track, log.child({ part: 'track' }), opts.writer)
  }

  /** Loads the persisted last positions (a restart still knows where everyone was). */
  async start (): Promise<void> {
    await this.track.init().catch((err) => this.log.error({ err, store: this.track.kind }, 'track store not ready; writes will retry'))
    const { rows } = await this.sql.query<{ device_id: string, resident_id: string | null, lat: number, lng: number, acc: number | null, at: Date | string, source: PositionSource }>(
      'select device_id, resident_id, lat, lng, acc, at, source from positions_last')
    for (const r of rows) {
      this.last.set(r.device_id, { deviceId: r.device_id, residentId: r.resident_id, lat: Number(r.lat), lng: Number(r.lng), acc: r.acc == null ? null : Number(r.acc), at: new Date(r.at).getTime(), source: r.source })
    }
    this.timer = setInterval(() => { void this.persist() }, this.opts.persistIntervalMs ?? 30_000)
    this.timer.unref()
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.persist()
    await this.writer.close()
    await this.track.close()
  }

  /** Positions of one device, oldest first: all to the track; the newest becomes the last known one. */
  update (positions: Position[]): void {
    if (positions.length === 0) return
    this.writer.enqueue(positions.map((p) => ({ ts: p.at, deviceId: p.deviceId, residentId: p.residentId, lat: p.lat, lng: p.lng, acc: p.acc, source: p.source })))
    const newest = positions.reduce((a, b) => (b.at >= a.at ? b : a))
    const known = this.last.get(newest.deviceId)
    if (known && known.at > newest.at) return
    this.last.set(newest.deviceId, newest)
    this.dirty.add(newest.deviceId)
    this.emit('position', newest)
  }

  get (deviceId: string): Position | undefined { return this.last.get(deviceId) }

  /** The freshest position of any of a resident's devices. */
  forResident (residentId: string): Position | undefined {
    let best: Position | undefined
    for (const p of this.last.values()) if (p.residentId === residentId && (!best || p.at > best.at)) best = p
    return best
  }

  /**
   * Writes the changed last positions, POSITION_ROWS_PER_STATEMENT a statement. Resolves once
   * everything changed before the call is written (what a failure left unwritten waits for the next
   * round): a call while a round is under way, which took what was dirty when it began, gets a round
   * after it.
   */
  persist (): Promise<void> {
    const next = this.persisting.then(() => this.persistRound())
    this.persisting = next
    return next
  }

  private async persistRound (): Promise<void> {
    if (this.dirty.size === 0) return
    const ids = [...this.dirty]
    this.dirty.clear()
    for (let i = 0; i < ids.length; i += POSITION_ROWS_PER_STATEMENT) {
      // each device's newest position when its statement goes (one that moved since is also dirty again)
      const rows = ids.slice(i, i + POSITION_ROWS_PER_STATEMENT).map((id) => this.last.get(id)!)
        .map((p) => ({ device_id: p.deviceId, resident_id: p.residentId, lat: p.lat, lng: p.lng, acc: p.acc, at: new Date(p.at).toISOString(), source: p.source }))
      try {
        await this.sql.query(POSITIONS_LAST_UPSERT, [JSON.stringify(rows)], { priority: 'background' })
      } catch (err) {
        const left = ids.slice(i)
        for (const id of left) this.dirty.add(id)
        this.log.warn({ err, devices: left.length }, 'last positions not saved; will retry')
        return
      }
    }
  }
}

/**
 * [P-3.1] The positions of a telemetry message (single or batch), on the gateway's clock when the
 * device's is skewed [P-2.3], converted to WGS-84 from the declared `crs`.
 */
export function telemetryPositions (deviceId: string, residentId: string | null, message: Telemetry, receivedAtMs: number, clockSkew: boolean): Position[] {
  const raw: TelemetrySample[] = 'samples' in message ? message.samples : [message as TelemetrySample]
  const shift = clockSkew && message.ts !== undefined ? receivedAtMs - message.ts : 0
  const out: Position[] = []
  for (const s of raw) if (s.geo) out.push(toPosition(deviceId, residentId, s.geo, s.ts + shift, 'telemetry'))
  return out
}

/** A geo object [P-3.1] as a WGS-84 position. */
export function toPosition (deviceId: string, residentId: string | null, geo: { lat: number, lng: number, acc?: number, crs?: Crs }, at: number, source: PositionSource): Position {
  const p = toWgs84(geo, geo.crs ?? 'wgs84')
  return { deviceId, residentId, lat: p.lat, lng: p.lng, acc: geo.acc ?? null, at, source }
}

export interface PositionWatchOptions {
  /** How often the watched set is read again from the incidents, in ms. Default 30000. */
  refreshMs?: number
}

/**
 * Scaled mode (issue 15): whose positions the cluster must hear at once. A wearable's gateway is
 * rarely the platform node that holds the wearer's incident, and relaying every position of every
 * wearable to every node would cost each node a message per position; only the residents with an
 * active incident that has a position are relayed — a few, where a city has thousands of wearers.
 *
 * A resident is added the moment a node announces such an incident (`Invalidation`
 * `position_watch`, through Redis), and the set is read again from the incidents every
 * `refreshMs` (closed incidents leave it; a gateway started mid-incident, or a watch lost while
 * Redis was away, catches up). An add that lands while a refresh's query runs is kept.
 */
export class PositionWatch {
  private readonly watched = new Map<string, number>()
  /** bumped by each add: a refresh keeps what was added after its query began */
  private generation = 0
  private timer?: NodeJS.Timeout

  constructor (private readonly sql: Sql, private readonly log: Logger, private readonly opts: PositionWatchOptions = {}) {}

  has (residentId: string): boolean { return this.watched.has(residentId) }

  /** Watches the resident; true when they were not watched yet. */
  add (residentId: string): boolean {
    const fresh = !this.watched.has(residentId)
    this.watched.set(residentId, ++this.generation)
    return fresh
  }

  async refresh (): Promise<void> {
    const began = this.generation
    const { rows } = await this.sql.query<{ resident_id: string }>(
      `select distinct resident_id from incidents
        where resident_id is not null and position is not null and status not in ('resolved', 'closed_false_alarm')`)
    const current = new Set(rows.map((r) => r.resident_id))
    for (const [id, added] of this.watched) if (!current.has(id) && added <= began) this.watched.delete(id)
    for (const id of current) if (!this.watched.has(id)) this.watched.set(id, began)
  }

  /** Starts the refreshes; resolves after the first (never rejects: a failure is logged and retried at the next). */
  start (): Promise<void> {
    const refresh = () => this.refresh().catch((err) => this.log.warn({ err }, 'watched residents not read; positions of new incidents still relayed as announced'))
    this.timer = setInterval(() => { void refresh() }, this.opts.refreshMs ?? 30_000)
    this.timer.unref()
    return refresh()
  }

  close (): void { clearInterval(this.timer) }
}
