import type { UpstreamKind } from '@eldercare/protocols'
import { codes } from '../errors.ts'
import type { Step } from './types.ts'

/**
 * Device times the store holds: from the epoch to the end of year 9999 (a later Date is written
 * as "+010000-…", which PostgreSQL refuses; a negative one is no device clock at all).
 */
export const STORE_TS_MIN = 0
export const STORE_TS_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** A UTF-16 surrogate without its pair: no UTF-8 encoding exists for it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Fields whose loss makes a message meaningless: a bad one refuses the message [P-2.3a]. */
const REQUIRED_STRINGS: Record<UpstreamKind, readonly string[]> = {
  telemetry: ['id'], events: ['id', 'type'], intercom: ['id', 'type'], status: [], 'commands/ack': ['id'], 'rtc/up': ['id']
}

export interface Normalised {
  /** the message with dropped fields removed */
  message: Record<string, unknown>
  /** [P-2.3] the device time the store keeps; null when outside what the store holds */
  deviceTs: Date | null
  clockSkew: boolean
  /** [P-2.3a] why the message is invalid (a bad required field), or null */
  invalid: string | null
  /** [P-2.3a] sentences naming each optional field dropped */
  dropped: string[]
}

/**
 * The one normalisation of a decoded message, shared by every kind: clock [P-2.3] and string
 * well-formedness [P-2.3a]. Kept in one function so that decode's own warnings (once protocols'
 * decode reports dropped optional fields) can be fed in here in place of the string walk.
 */
export function normaliseMessage (kind: UpstreamKind, decoded: object, receivedAtMs: number, skewMs: number): Normalised {
  const message: Record<string, unknown> = { ...decoded }
  const dropped: string[] = []
  let invalid: string | null = null
  const required = new Set(REQUIRED_STRINGS[kind])
  // [P-3.2] a cancel without its ref means nothing
  if (kind === 'events' && message.type === 'cancel') required.add('ref')
  for (const [key, value] of Object.entries(message)) {
    const problem = malformedKey(key) ?? malformed(value)
    if (!problem) continue
    const where = `${kind}.${printable(key)}`
    if (required.has(key)) {
      invalid ??= `${where} ${problem}`
    } else {
      delete message[key]
      dropped.push(`${where} ${problem}`)
    }
  }
  const ts = message.ts
  let deviceTs: Date | null = null
  let clockSkew = false
  if (typeof ts === 'number') {
    // [P-2.3] an alarm is never refused for its clock: an absurd one is recorded at the receive time
    if (Number.isFinite(ts) && ts >= STORE_TS_MIN && ts <= STORE_TS_MAX) {
      deviceTs = new Date(ts)
      clockSkew = Math.abs(ts - receivedAtMs) > skewMs
    } else {
      clockSkew = true
    }
  }
  return { message, deviceTs, clockSkew, invalid, dropped }
}

/** Why a value cannot be stored as text, or null: NUL characters and lone UTF-16 surrogates [P-2.3a]. */
function malformed (value: unknown, depth = 0): string | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'contains a NUL character'
    if (LONE_SURROGATE.test(value)) return 'is not well-formed Unicode (a lone UTF-16 surrogate)'
    return null
  }
  if (value === null || typeof value !== 'object' || depth > 32) return null
  for (const [k, v] of Object.entries(value)) {
    const problem = malformedKey(k) ?? malformed(v, depth + 1)
    if (problem) return problem
  }
  return null
}

function malformedKey (key: string): string | null {
  const p = malformed(key)
  return p ? `has a key that ${p}` : null
}

/** A field name fit for an answer and a log line. */
function printable (key: string): string {
  return JSON.stringify(key.replace(new RegExp(LONE_SURROGATE, 'g'), '\uFFFD')).slice(1, -1)
}

/**
 * normalise: [P-2.3] device clock → deviceTs and clockSkew; [P-2.3a] a bad `id`/`type` refuses
 * the message (answered `invalid_payload`, PUBACKed: resending cannot help), a bad optional field
 * is dropped and answered, and the message goes on to be recorded.
 */
export const normalise: Step = (m, ctx) => {
  const n = normaliseMessage(m.kind!, m.message!, m.receivedAt.getTime(), ctx.skewMs)
  if (n.invalid) return { ack: 'puback', outcome: 'rejected', error: codes.GW_ERR_INVALID_MESSAGE(n.invalid) }
  m.message = n.message as typeof m.message
  m.deviceTs = n.deviceTs
  m.clockSkew = n.clockSkew
  for (const d of n.dropped) m.warnings.push(codes.GW_ERR_FIELD_DROPPED(d))
}
