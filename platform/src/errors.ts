/**
 * The platform's error catalogue, in the style of Fastify's lib/errors.js: every `PLT_ERR_*`
 * code is declared here once, with its HTTP status and message template (`%s` is filled from
 * the arguments in order). Code elsewhere throws through these factories, never a code string:
 *
 *   throw errors.NOT_FOUND('incident')                  // 404 PLT_ERR_NOT_FOUND "incident not found"
 *
 * The error handler (app.ts) renders a PlatformError as `{error:{code,message,details?}}`.
 * docs/platform.md lists the codes; a test keeps that list and this one equal.
 */
export type PlatformErrorCode = `PLT_ERR_${string}`

export class PlatformError extends Error {
  readonly code: PlatformErrorCode
  readonly statusCode: number
  readonly details?: unknown
  constructor (code: PlatformErrorCode, statusCode: number, message: string, details?: unknown) {
    super(message)
    this.name = 'PlatformError'
    this.code = code
    this.statusCode = statusCode
    this.details = details
  }
}

/** One catalogue entry: call it with the template's arguments; `.withDetails` attaches machine-readable details. */
export interface ErrorFactory {
  (...args: Array<string | number>): PlatformError
  withDetails (details: unknown, ...args: Array<string | number>): PlatformError
  readonly code: PlatformErrorCode
  readonly statusCode: number
  readonly template: string
}

function format (template: string, args: Array<string | number>): string {
  let i = 0
  return template.replace(/%s/g, () => String(args[i++] ?? ''))
}

function createError (code: PlatformErrorCode, statusCode: number, template: string): ErrorFactory {
  const make = (...args: Array<string | number>) => new PlatformError(code, statusCode, format(template, args))
  return Object.assign(make, {
    withDetails: (details: unknown, ...args: Array<string | number>) => new PlatformError(code, statusCode, format(template, args), details),
    code, statusCode, template
  })
}

export const errors = {
  /** A request or a value failed validation; details name the fields. */
  VALIDATION: createError('PLT_ERR_VALIDATION', 400, '%s'),
  /** No or an unknown, expired or revoked bearer token. */
  UNAUTHORIZED: createError('PLT_ERR_UNAUTHORIZED', 401, '%s'),
  BAD_CREDENTIALS: createError('PLT_ERR_BAD_CREDENTIALS', 401, 'wrong username or password'),
  /** The caller's role lacks the capability. */
  FORBIDDEN: createError('PLT_ERR_FORBIDDEN', 403, '%s'),
  /** Unknown, or outside the caller's area (never told apart: the record stays invisible). */
  NOT_FOUND: createError('PLT_ERR_NOT_FOUND', 404, '%s not found'),
  LINK_INVALID: createError('PLT_ERR_LINK_INVALID', 404, '%s'),
  LINK_EXPIRED: createError('PLT_ERR_LINK_EXPIRED', 410, 'this link has expired; ask the centre for a new one'),
  INVALID_TRANSITION: createError('PLT_ERR_INVALID_TRANSITION', 409, 'cannot %s an incident that is %s'),
  OFFER_CLOSED: createError('PLT_ERR_OFFER_CLOSED', 409, '%s'),
  NO_OFFER: createError('PLT_ERR_NO_OFFER', 409, 'no responder is waiting to answer for this incident'),
  NO_RESPONDER: createError('PLT_ERR_NO_RESPONDER', 409, 'no responder is on duty and free in this district; phone one or put one on duty'),
  RESPONDER_OFF_DUTY: createError('PLT_ERR_RESPONDER_OFF_DUTY', 409, '%s is not on duty'),
  VISIT_NOT_PLANNED: createError('PLT_ERR_VISIT_NOT_PLANNED', 409, 'this visit is %s; only a planned visit can be %s'),
  USERNAME_TAKEN: createError('PLT_ERR_USERNAME_TAKEN', 409, 'the %s %s is taken'),
  DEVICE_EXISTS: createError('PLT_ERR_DEVICE_EXISTS', 409, 'a device with id %s is already registered'),
  SELF_CHANGE: createError('PLT_ERR_SELF_CHANGE', 409, 'you cannot change your own role, area or disable yourself; ask another administrator'),
  OUT_OF_SCOPE: createError('PLT_ERR_OUT_OF_SCOPE', 409, '%s'),
  /** Video calls with intercoms (issue 17). */
  NO_INTERCOM: createError('PLT_ERR_NO_INTERCOM', 409, '%s'),
  DEVICE_OFFLINE: createError('PLT_ERR_DEVICE_OFFLINE', 409, "intercom %s is offline: call the resident's phone instead"),
  NO_CALL: createError('PLT_ERR_NO_CALL', 409, 'this incident has no intercom call to answer'),
  CALL_OVER: createError('PLT_ERR_CALL_OVER', 409, 'this call is %s'),
  CALL_TAKEN: createError('PLT_ERR_CALL_TAKEN', 409, '%s'),
  CALL_VISIT_RECORDED: createError('PLT_ERR_CALL_VISIT_RECORDED', 409, 'this call is already recorded as visit %s'),
  CALL_NOT_COMPLETED: createError('PLT_ERR_CALL_NOT_COMPLETED', 409, 'only a call that was answered and has ended can be recorded as a visit; this one is %s'),
  CALL_NO_RESIDENT: createError('PLT_ERR_CALL_NO_RESIDENT', 409, 'this call is not tied to one resident (a shared intercom at a home of several)'),
  CALLS_UNAVAILABLE: createError('PLT_ERR_CALLS_UNAVAILABLE', 503, 'this node has no device gateway: calls are not available'),
  /** A bulk import with problems: details list every problem by line; nothing was written. */
  IMPORT_INVALID: createError('PLT_ERR_IMPORT_INVALID', 422, 'the file has %s; nothing was imported'),
  TOO_MANY_ATTEMPTS: createError('PLT_ERR_TOO_MANY_ATTEMPTS', 429, 'too many failed sign-ins; try again in %s s'),
  INTERNAL: createError('PLT_ERR_INTERNAL', 500, 'internal error; the incident was logged'),
  /** Bad configuration at start (environment, data key). */
  CONFIG: createError('PLT_ERR_CONFIG', 500, '%s'),
  CRYPTO: createError('PLT_ERR_CRYPTO', 500, 'not an encrypted field value'),
  /** A notification webhook answered with an error status. */
  WEBHOOK: createError('PLT_ERR_WEBHOOK', 502, 'webhook answered %s')
} as const satisfies Record<string, ErrorFactory>

export type ErrorName = keyof typeof errors

/**
 * Any other 4xx that Fastify raises itself (malformed JSON, wrong media type, body too large)
 * keeps Fastify's status and message under `PLT_ERR_<Fastify's code>`, e.g.
 * `PLT_ERR_FST_ERR_CTP_INVALID_MEDIA_TYPE`; without a code, `PLT_ERR_BAD_REQUEST`.
 */
export const fromFastify = (err: { statusCode: number, code?: string, message: string }): PlatformError =>
  new PlatformError(`PLT_ERR_${err.code ?? 'BAD_REQUEST'}`, err.statusCode, err.message)
