/** Platform errors carry a stable code and an HTTP status; the error handler renders them as `{error:{code,message}}`. */
export class PlatformError extends Error {
  readonly code: `PLT_ERR_${string}`
  readonly statusCode: number
  readonly details?: unknown
  constructor (code: `PLT_ERR_${string}`, statusCode: number, message: string, details?: unknown) {
    super(message)
    this.name = 'PlatformError'
    this.code = code
    this.statusCode = statusCode
    this.details = details
  }
}

export const notFound = (what: string): PlatformError => new PlatformError('PLT_ERR_NOT_FOUND', 404, `${what} not found`)
export const forbidden = (message = 'your role may not do this'): PlatformError => new PlatformError('PLT_ERR_FORBIDDEN', 403, message)
export const badRequest = (message: string, details?: unknown): PlatformError => new PlatformError('PLT_ERR_VALIDATION', 400, message, details)
export const conflict = (code: `PLT_ERR_${string}`, message: string): PlatformError => new PlatformError(code, 409, message)
