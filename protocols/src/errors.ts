/** [P-3.7] Codes the gateway answers on a device's `errors` topic. */
export const DEVICE_ERROR_CODES = [
  'invalid_json',
  'invalid_payload',
  'out_of_range',
  'unknown_type',
  'too_large',
  'rate_limited',
  'unauthorized_topic',
  'duplicate',
  'internal'
] as const

export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number]

/** Error raised by protocols/ helpers; callers match on `code`. */
export class ProtocolError extends Error {
  readonly code: string
  constructor (code: `PROTO_ERR_${string}`, message: string) {
    super(message)
    this.name = 'ProtocolError'
    this.code = code
  }
}
