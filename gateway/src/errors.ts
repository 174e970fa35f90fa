/** Errors the gateway raises; callers match on `code`. */
export class GatewayError extends Error {
  readonly code: `GW_ERR_${string}`
  constructor (code: `GW_ERR_${string}`, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'GatewayError'
    this.code = code
  }
}
