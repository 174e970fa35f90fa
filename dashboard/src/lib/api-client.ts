/**
 * The one way the console talks to the platform's REST API: JSON in and out, the bearer token
 * on every call, and every failure turned into an `ApiError` callers can match on `code`.
 */
import type { ApiErrorBody } from '@eldercare/protocols'

/** Codes for failures that happen before the platform could answer with its own `PLT_ERR_…`. */
export const DASHBOARD_ERROR_CODES = {
  network: 'DASH_ERR_NETWORK',
  badResponse: 'DASH_ERR_BAD_RESPONSE',
  http: 'DASH_ERR_HTTP'
} as const

export class ApiError extends Error {
  /** `PLT_ERR_…` from the platform, or one of `DASHBOARD_ERROR_CODES`. */
  readonly code: string
  /** HTTP status; 0 when no response arrived. */
  readonly status: number
  /** Seconds from a `Retry-After` header (rate limits), when the server sent one. */
  readonly retryAfterSeconds: number | null
  /** The platform's `error.details` (e.g. an import's problems by line), when it sent any. */
  readonly details: unknown

  constructor (code: string, status: number, message: string, retryAfterSeconds: number | null = null, details: unknown = null) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status
    this.retryAfterSeconds = retryAfterSeconds
    this.details = details
  }

  get isNetworkError (): boolean {
    return this.status === 0
  }
}

interface ClientHooks {
  /** The bearer token to send, or null when signed out. */
  getToken: () => string | null
  /** Called when a request that carried a token is refused with 401: the session is over. */
  onUnauthorized: () => void
}

let hooks: ClientHooks = { getToken: () => null, onUnauthorized: () => {} }

/** Wires the client to the session; the app calls this once at start-up. */
export function configureApiClient (next: ClientHooks): void {
  hooks = next
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Serialised as JSON. POST without a body still sends `{}` so the server's JSON parser is happy. */
  body?: unknown
  signal?: AbortSignal
  /**
   * Whether a 401 ends the session (default true). Logout turns it off: a token that is already
   * revoked is exactly what logout wants.
   */
  unauthorizedEndsSession?: boolean
}

export async function apiRequest<T> (path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST')
  const headers: Record<string, string> = { accept: 'application/json' }
  let body: string | undefined
  if (method !== 'GET') {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.body ?? {})
  }
  const response = await send(path, { method, headers, body, signal: options.signal }, options.unauthorizedEndsSession !== false)
  if (response.status === 204) return undefined as T
  try {
    return await response.json() as T
  } catch {
    throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, response.status, `${method} ${path}: response is not JSON`)
  }
}

/**
 * GET a file (CSV and the like) with the bearer token, as a Blob; errors as `apiRequest` has
 * them. A plain link cannot carry the token, so downloads go through here.
 */
export async function apiBlob (path: string): Promise<Blob> {
  return await (await send(path, { headers: {} })).blob()
}

/**
 * One request with the session's bearer token, the same for every kind of body: a network
 * failure is `network`, a 401 on a request that carried a token ends the session (unless told
 * not to), and an error answer is thrown as the platform's coded error.
 */
async function send (path: string, init: RequestInit & { headers: Record<string, string> }, unauthorizedEndsSession = true): Promise<Response> {
  const token = hooks.getToken()
  if (token !== null) init.headers.authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(path, init)
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(DASHBOARD_ERROR_CODES.network, 0, (err as Error).message || 'network error')
  }
  if (response.status === 401 && token !== null && unauthorizedEndsSession) hooks.onUnauthorized()
  if (!response.ok) throw await errorFrom(response)
  return response
}

async function errorFrom (response: Response): Promise<ApiError> {
  const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10)
  const retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : null
  let code: string = DASHBOARD_ERROR_CODES.http
  let message = `HTTP ${response.status}`
  let details: unknown = null
  try {
    const body = await response.json() as Partial<ApiErrorBody>
    if (typeof body.error?.code === 'string') code = body.error.code
    if (typeof body.error?.message === 'string') message = body.error.message
    details = body.error?.details ?? null
  } catch {
    // Not the platform's error shape (a proxy's HTML page, say): keep the generic code.
  }
  return new ApiError(code, response.status, message, retryAfterSeconds, details)
}

/** Path segment escaping for ids taken from data. */
export function pathId (id: string): string {
  return encodeURIComponent(id)
}

/**
 * POSTs a CSV file (Content-Type: text/csv) with the bearer token; answers the response body as
 * text with its content type. Errors as `apiRequest` has them, with the platform's details.
 */
export async function apiPostCsv (path: string, csv: string): Promise<{ contentType: string, text: string }> {
  const response = await send(path, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })
  return { contentType: response.headers.get('content-type') ?? '', text: await response.text() }
}
