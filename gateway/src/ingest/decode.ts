import { decodeUpstream } from '@eldercare/protocols'
import { GatewayError, codes } from '../errors.ts'
import type { Step } from './types.ts'

/**
 * [P-2.1][P-3.1–3.6] decode: size (16 KiB), UTF-8 JSON, the payload's schema and cross-field
 * rules, all in protocols/src/decode.ts. A refusal is answered with decode's code and PUBACKed:
 * the same bytes can never become valid.
 */
export const decode: Step = (m) => {
  const payload = typeof m.packet.payload === 'string' ? Buffer.from(m.packet.payload) : m.packet.payload
  const decoded = decodeUpstream(m.kind!, payload)
  m.ref = decoded.ok ? refOf(decoded.message) : decoded.ref
  if (!decoded.ok) {
    const error = new GatewayError(codes.GW_ERR_INVALID_MESSAGE.code, decoded.message, { device: decoded.code })
    return { ack: 'puback', outcome: 'rejected', error }
  }
  m.message = decoded.message
}

function refOf (message: object): string | null {
  const id = (message as { id?: unknown }).id
  return typeof id === 'string' ? id : null
}
