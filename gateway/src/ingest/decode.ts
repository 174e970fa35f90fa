import { decodeUpstream } from '@eldercare/protocols'
import { GatewayError, codes } from '../errors.ts'
import type { Step } from './types.ts'

/**
 * [P-2.1][P-2.3][P-2.3a][P-3.1–3.6] decode: size (16 KiB), UTF-8 JSON, the payload's schema and
 * cross-field rules, well-formed strings and store-safe times — all decided in one place,
 * protocols/src/decode.ts. A refusal is answered with decode's code and PUBACKed: the same bytes
 * can never become valid. An accepted message carries decode's `dropped` fields and `tsUsable`,
 * which the normalise step maps to the record and the answers. `now` is the receive time, which
 * decode puts in place of an alarm's unusable `ts` [P-2.3].
 */
export const decode: Step = (m) => {
  const payload = typeof m.packet.payload === 'string' ? Buffer.from(m.packet.payload) : m.packet.payload
  const decoded = decodeUpstream(m.kind!, payload, { now: m.receivedAt.getTime() })
  if (!decoded.ok) {
    m.ref = decoded.ref
    const error = new GatewayError(codes.GW_ERR_INVALID_MESSAGE.code, decoded.message, { device: decoded.code })
    return { ack: 'puback', outcome: 'rejected', error }
  }
  m.message = decoded.message
  m.ref = refOf(decoded.message)
  m.verdict = { dropped: decoded.dropped, tsUsable: decoded.tsUsable }
}

function refOf (message: object): string | null {
  const id = (message as { id?: unknown }).id
  return typeof id === 'string' ? id : null
}
