/**
 * Where wearables were: a 24-hour track of positions, beside the readings and with the same shape
 * of contract (one interface, a relational and an InfluxDB implementation, one contract suite on
 * real servers, written through the same bounded `ReadingsWriter`). Positions are WGS-84.
 */
import type { PruneResult } from './store.ts'
export type PositionSource = 'telemetry' | 'event'

export interface TrackPoint {
  /** epoch ms */
  ts: number
  deviceId: string
  residentId: string | null
  lat: number
  lng: number
  /** accuracy radius in metres, when the device gave one */
  acc: number | null
  source: PositionSource
}

/** A wearable's last known position as the gateway's tracker holds it and the platform reads it (`at`: epoch ms). */
export interface LivePosition {
  deviceId: string
  residentId: string | null
  lat: number
  lng: number
  acc: number | null
  /** epoch ms */
  at: number
  source: PositionSource
}

/** One point of a downsampled track: the last position in its bucket. */
export interface TrackItem { lat: number, lng: number, acc: number | null, at: number }

export interface TrackStore {
  readonly kind: 'sql' | 'influx'
  /** Creates what the store needs; idempotent. */
  init(): Promise<void>
  /** Writes one batch; throws when the store is unreachable (the writer retries). */
  write(points: TrackPoint[]): Promise<void>
  /**
   * A resident's positions in [fromMs, toMs), oldest first, at most one per `stepMs` bucket (aligned
   * to the epoch): the bucket's last position, with its own time.
   */
  track(residentId: string, fromMs: number, toMs: number, stepMs: number): Promise<TrackItem[]>
  /** Deletes positions older than the retention (24 h); says what it removed where the store can tell. */
  prune(nowMs: number): Promise<PruneResult>
  close(): Promise<void>
}

/** The track is kept for 24 hours. */
export const TRACK_RETENTION_MS = 24 * 3600_000
