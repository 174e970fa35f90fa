import type { DroppedField } from '@eldercare/protocols'
import { GatewayError, codes } from '../errors.ts'
import type { Step } from './types.ts'

export interface Normalised {
  /** [P-2.3] the device time the store keeps; null when the message has none it can keep */
  deviceTs: Date | null
  clockSkew: boolean
  /** [P-2.3a][P-2.3] one answer per field decode dropped, naming it */
  warnings: GatewayError[]
}

/**
 * Maps decode's verdict on an accepted message to what the record and the answers need. Validity
 * is decided by protocols' decode alone (strings, ranges, times the store holds); this adds only
 * what needs the gateway's clock:
 * - [P-2.3] `tsUsable: false` (an alarm whose `ts` is absurd, missing or not a number): recorded
 *   at the receive time, no device time, `clockSkew`. The device time stays null rather than the
 *   receive time so that a resend of the same alarm meets the same idempotency key [P-2.4]
 *   (migration 0008: device, id, type, device time; nulls not distinct).
 * - [P-2.3] a usable `ts` more than `skewMs` from the receive time is kept and marked `clockSkew`.
 * - [P-2.3a] each dropped field is answered with decode's code and sentence, the message recorded.
 */
export function normaliseVerdict (
  message: { ts?: unknown },
  verdict: { dropped: readonly DroppedField[], tsUsable: boolean },
  receivedAtMs: number,
  skewMs: number
): Normalised {
  const warnings = verdict.dropped.map((d) => new GatewayError(codes.GW_ERR_FIELD_DROPPED.code, d.message, { device: d.code }))
  if (!verdict.tsUsable) return { deviceTs: null, clockSkew: true, warnings }
  const ts = message.ts
  if (typeof ts !== 'number') return { deviceTs: null, clockSkew: false, warnings }
  return { deviceTs: new Date(ts), clockSkew: Math.abs(ts - receivedAtMs) > skewMs, warnings }
}

/** normalise: decode's verdict → deviceTs, clockSkew and the answers for dropped fields. */
export const normalise: Step = (m, ctx) => {
  const n = normaliseVerdict(m.message as { ts?: unknown }, m.verdict!, m.receivedAt.getTime(), ctx.skewMs)
  m.deviceTs = n.deviceTs
  m.clockSkew = n.clockSkew
  m.warnings.push(...n.warnings)
}
