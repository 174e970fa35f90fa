/**
 * Alarms that come from no device — a visit that needs follow-up, a resident a welfare round did
 * not reach, a missed daily check-in — take the same way as a device's alarm: an inbox row that
 * the incident engine turns into an incident, after whose commit the effects announce it, tell
 * the family and start its SLA clocks (features/incidents/effects.ts). Nothing raises an incident
 * beside the engine (issue 18).
 *
 * Such a row names a system source instead of a device: `device_id = '<source>:<ref>'`, kind
 * `derived`, the resident in `payload.residentId` (the engine finds their site and area from it).
 * A device id cannot contain `:` (DEVICE_ID_PATTERN, [P-1.3]), so the two never meet. The inbox's
 * idempotency key (device_id, msg_id, type) makes a second write of the same alarm — a sweep run
 * again after a crash, two nodes sweeping at once — a no-op that finds the first row.
 */
import type { Queryable } from '../../db/db.ts'

/** The system sources and their `device_id` prefixes. */
export const SYSTEM_SOURCES = {
  /** `visit:<visit id>`, msg id the visit id (features/visits/service.ts) */
  visit: 'visit:',
  /** `welfare:<round id>`, msg id `<round id>/<resident id>` (features/welfare-rounds/service.ts) */
  welfare: 'welfare:',
  /** `checkin:<resident id>`, msg id `<resident id>/<local day>` (features/welfare-rounds/daily-checkin.ts) */
  checkin: 'checkin:'
} as const
export type SystemSource = keyof typeof SYSTEM_SOURCES

/** LIKE patterns matching every system source's `device_id` (the engine's query). */
export const SYSTEM_SOURCE_PATTERNS: string[] = Object.values(SYSTEM_SOURCES).map((prefix) => `${prefix}%`)

export interface SystemAlarm {
  source: SystemSource
  /** what the source is about: the visit, the round, the resident */
  ref: string
  /** unique per alarm within `source:ref` */
  msgId: string
  /** the incident type, e.g. `welfare_unconfirmed` */
  type: string
  residentId: string
  /** when it happened (the incident's opening time) */
  at: Date
  /** kept with the row and the incident's source; no personal data (notes stay where they are) */
  payload?: Record<string, unknown>
}

/** The `device_id` an alarm of `source` about `ref` is written under. */
export const systemSourceId = (source: SystemSource, ref: string): string => `${SYSTEM_SOURCES[source]}${ref}`

/**
 * Writes the alarm's inbox row, inside the caller's transaction, and returns its `seq` — of the
 * row already there when the same alarm was written before. After the commit, wake the engine
 * (`app.engine.settled(seq)` wakes it and waits for the incident).
 */
export async function writeSystemAlarm (tx: Queryable, a: SystemAlarm): Promise<string> {
  const deviceId = systemSourceId(a.source, a.ref)
  const { rows } = await tx.query<{ seq: string }>(
    `insert into inbox (device_id, msg_id, kind, type, payload, received_at) values ($1, $2, 'derived', $3, $4, $5)
     on conflict do nothing returning seq`,
    [deviceId, a.msgId, a.type, JSON.stringify({ ...a.payload, residentId: a.residentId }), a.at])
  if (rows[0]) return rows[0].seq
  const existing = await tx.query<{ seq: string }>('select seq from inbox where device_id = $1 and msg_id = $2 and type = $3 order by seq limit 1', [deviceId, a.msgId, a.type])
  return existing.rows[0].seq
}
