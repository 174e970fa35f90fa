import { decodeUpstream, type UpstreamKind } from '@eldercare/protocols'
import { GatewayError, codes } from '../errors.ts'
import { ALARM_KINDS, type Step } from './types.ts'

/**
 * [P-2.1][P-3.1–3.6] decode: size (16 KiB), UTF-8 JSON, the payload's schema and cross-field
 * rules, all in protocols/src/decode.ts. A refusal is answered with decode's code and PUBACKed:
 * the same bytes can never become valid.
 */
export const decode: Step = (m) => {
  const payload = typeof m.packet.payload === 'string' ? Buffer.from(m.packet.payload) : m.packet.payload
  let decoded = decodeUpstream(m.kind!, payload)
  if (!decoded.ok && ALARM_KINDS.has(m.kind!)) decoded = decodeDespiteClock(m.kind!, payload, m.receivedAt.getTime()) ?? decoded
  m.ref = decoded.ok ? refOf(decoded.message) : decoded.ref
  if (!decoded.ok) {
    const error = new GatewayError(codes.GW_ERR_INVALID_MESSAGE.code, decoded.message, { device: decoded.code })
    return { ack: 'puback', outcome: 'rejected', error }
  }
  m.message = decoded.message
}

/**
 * [P-2.3] An alarm is never refused for its clock. The protocol schema bounds `ts` (e.g. no
 * negative time); where only `ts` keeps an alarm from validating, it is validated with the
 * receive time in its place and the device's value put back, so that normalise records it at
 * the receive time with clockSkew. Null when something else is wrong too.
 */
function decodeDespiteClock (kind: UpstreamKind, payload: Uint8Array, receivedAtMs: number): ReturnType<typeof decodeUpstream> | null {
  let value: unknown
  try { value = JSON.parse(Buffer.from(payload).toString('utf8')) } catch { return null }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('ts' in value)) return null
  const deviceTs = (value as { ts: unknown }).ts
  if (typeof deviceTs !== 'number') return null
  const retried = decodeUpstream(kind, Buffer.from(JSON.stringify({ ...value, ts: receivedAtMs })))
  if (!retried.ok) return null
  ;(retried.message as { ts: number }).ts = deviceTs
  return retried
}

function refOf (message: object): string | null {
  const id = (message as { id?: unknown }).id
  return typeof id === 'string' ? id : null
}
