/**
 * Readings in InfluxDB through the node `influx` client and the 1.x HTTP API (InfluxDB 1.x, or
 * 2.x/3.x through their v1 compatibility endpoints).
 *
 * Schema: database from the URL path (default `eldercare`), retention policy `eldercare_readings`
 * (default, duration = retention), measurement `readings`, tags `device` (device id) and
 * `resident` (resident id; absent for a device not assigned to anyone), one float field per
 * reading field (hr, spo2, rr, sbp, dbp, temp, bed_occupied, bed_movement, steps, motion — booleans
 * as 0/1), timestamps at millisecond precision.
 */
import { InfluxDB, escape, type IPoint } from 'influx'
import { READING_FIELDS, type VitalsSeriesDto } from '@eldercare/protocols'
import { DEFAULT_RETENTION_MS, PermanentWriteError, type PruneResult, type ReadingPoint, type VitalsStore } from './store.ts'

export const INFLUX_MEASUREMENT = 'readings'
export const INFLUX_RETENTION_POLICY = 'eldercare_readings'
/** The times InfluxDB can store, in epoch ms (int64 nanoseconds, minus the two values it reserves). */
export const INFLUX_MIN_MS = Math.ceil(-9223372036854775806 / 1e6)
export const INFLUX_MAX_MS = Math.floor(9223372036854775806 / 1e6)

export interface InfluxVitalsStoreOptions {
  /** `http(s)://[user:pass@]host:port/database`; the database defaults to `eldercare`. */
  url: string
  /** Retention of readings, in ms (rounded up to hours). Default 90 days. */
  retentionMs?: number
  /** One HTTP request's timeout, in ms. Default 10000. */
  requestTimeoutMs?: number
}

/** A client for `http(s)://[user:pass@]host:port/database` (database default `eldercare`). */
export function openInflux (url: string, requestTimeoutMs = 10_000): { influx: InfluxDB, database: string } {
  const u = new URL(url)
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) || 'eldercare'
  const influx = new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 8086)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    database,
    ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    // The readings writer does its own retry with backoff and counts; the client fails fast.
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs }
  })
  return { influx, database }
}

/** Creates the database and the retention policy (or sets its duration); idempotent. */
export async function ensureRetentionPolicy (influx: InfluxDB, database: string, name: string, retentionMs: number, isDefault: boolean): Promise<void> {
  await influx.createDatabase(database)
  const duration = `${Math.ceil(retentionMs / 3600_000)}h`
  const rp = { database, duration, replication: 1, isDefault }
  const existing = await influx.showRetentionPolicies(database)
  if (existing.some((p) => p.name === name)) await influx.alterRetentionPolicy(name, rp)
  else await influx.createRetentionPolicy(name, rp)
}

/**
 * What a failed write means: 4xx (other than 408/429) is InfluxDB refusing the points themselves
 * (e.g. beyond retention) — a PermanentWriteError; anything else may pass on retry.
 */
export function influxWriteError (err: unknown, refusedBefore = 0): unknown {
  const status = (err as { res?: { statusCode?: number } }).res?.statusCode
  if (status && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    // "partial write: … dropped=N" (beyond retention), or "unable to parse" per bad line (not in
    // dropped): the other points were kept
    const message = (err as Error).message
    const dropped = /dropped=(\d+)/.exec(message)
    const unparsed = message.match(/unable to parse/g)?.length ?? 0
    return new PermanentWriteError(message.trim(), err, dropped ? refusedBefore + Number(dropped[1]) + unparsed : undefined)
  }
  return err
}

/** The 1.x /query answer, as much of it as is read here. */
export interface RawResponse {
  results?: Array<{ error?: string, series?: Array<{ columns: string[], values: Array<Array<number | null>> }> }>
}

export class InfluxVitalsStore implements VitalsStore {
  readonly kind = 'influx'
  readonly database: string
  private readonly influx: InfluxDB
  private readonly retentionMs: number

  constructor (opts: InfluxVitalsStoreOptions) {
    ({ influx: this.influx, database: this.database } = openInflux(opts.url, opts.requestTimeoutMs))
    this.retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS
  }

  async init (): Promise<void> {
    await ensureRetentionPolicy(this.influx, this.database, INFLUX_RETENTION_POLICY, this.retentionMs, true)
  }

  async write (points: ReadingPoint[]): Promise<void> {
    if (points.length === 0) return
    // InfluxDB keeps nanosecond int64 times (1677–2262): a point outside is refused here, the rest written
    const inRange = points.filter((p) => p.ts >= INFLUX_MIN_MS && p.ts <= INFLUX_MAX_MS)
    const outOfRange = points.length - inRange.length
    if (inRange.length > 0) await this.writeLines(inRange, outOfRange)
    if (outOfRange > 0) throw new PermanentWriteError(`${outOfRange} point(s) dated outside the time range InfluxDB holds`, undefined, outOfRange)
  }

  private async writeLines (points: ReadingPoint[], refusedBefore: number): Promise<void> {
    const lines: IPoint[] = points.map((p) => ({
      measurement: INFLUX_MEASUREMENT,
      tags: (p.residentId ? { device: p.deviceId, resident: p.residentId } : { device: p.deviceId }) as Record<string, string>,
      fields: p.fields,
      timestamp: p.ts
    }))
    try {
      await this.influx.writePoints(lines, { precision: 'ms', retentionPolicy: INFLUX_RETENTION_POLICY })
    } catch (err) {
      throw influxWriteError(err, refusedBefore)
    }
  }

  async series (residentId: string, fromMs: number, toMs: number, stepMs: number): Promise<VitalsSeriesDto['series']> {
    const aggs = READING_FIELDS.map((f) => `mean("${f}") as "${f}_mean", min("${f}") as "${f}_min", max("${f}") as "${f}_max"`).join(', ')
    const q = `select ${aggs} from ${this.from()} where resident = ${escape.stringLit(residentId)}` +
      ` and time >= ${Math.floor(fromMs)}ms and time < ${Math.floor(toMs)}ms group by time(${Math.floor(stepMs)}ms) fill(none)`
    // the raw JSON (times as epoch ms) spares the client's per-row date objects: a 24-h chart is 1440 rows × 30 columns
    const raw = await this.influx.queryRaw(q, { precision: 'ms' }) as RawResponse
    if (raw.results?.[0]?.error) throw new Error(`InfluxDB query failed: ${raw.results[0].error}`)
    const out: VitalsSeriesDto['series'] = {}
    for (const series of raw.results?.[0]?.series ?? []) {
      const col = new Map(series.columns.map((c, i) => [c, i]))
      const at = (f: string, kind: string) => col.get(`${f}_${kind}`) ?? -1
      const idx = READING_FIELDS.map((f) => [f, at(f, 'mean'), at(f, 'min'), at(f, 'max')] as const)
      const ti = col.get('time') ?? 0
      for (const row of series.values) {
        for (const [f, mi, lo, hi] of idx) {
          if (mi < 0 || row[mi] == null) continue
          ;(out[f] ??= []).push({ t: Number(row[ti]), mean: Number(row[mi]), min: Number(row[lo]), max: Number(row[hi]) })
        }
      }
    }
    return out
  }

  async latest (residentId: string, atMs?: number): Promise<VitalsSeriesDto['latest']> {
    const until = atMs === undefined ? '' : ` and time <= ${Math.floor(atMs)}ms`
    // One statement per field: a lone last() returns the time of the point it picked.
    const qs = READING_FIELDS.map((f) => `select last("${f}") as v from ${this.from()} where resident = ${escape.stringLit(residentId)}${until}`)
    const results = await this.influx.query<{ v: number }>(qs, { precision: 'ms' })
    const out: VitalsSeriesDto['latest'] = {}
    READING_FIELDS.forEach((f, i) => {
      const row = results[i]?.[0] as ({ v: number, time: Date } | undefined)
      if (row && row.v != null) out[f] = { value: Number(row.v), at: row.time.getTime() }
    })
    return out
  }

  /** The retention policy prunes for us. */
  async prune (): Promise<PruneResult> { return { rows: 0, partitions: 0 } }

  async close (): Promise<void> {}

  private from (): string {
    return `${escape.quoted(this.database)}.${escape.quoted(INFLUX_RETENTION_POLICY)}.${escape.quoted(INFLUX_MEASUREMENT)}`
  }
}
