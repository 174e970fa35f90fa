/** A minimal client of the platform's REST API (operator-api.md): login, JSON in and out, bearer token. */
import { SimError } from './errors.ts'

export class RestClient {
  token: string | null = null
  constructor (readonly baseUrl: string) {}

  async login (username: string, password: string): Promise<void> {
    const r = await this.request<{ token: string }>('POST', '/api/auth/login', { username, password })
    this.token = r.token
  }

  async request<T = any> (method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(this.baseUrl.replace(/\/$/, '') + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined
      })
    } catch (err) {
      throw new SimError('SIM_ERR_API', `cannot reach the platform at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message})`, { cause: err })
    }
    const text = await res.text()
    let json: any = null
    try { json = text ? JSON.parse(text) : null } catch { /* not JSON: reported below */ }
    if (!res.ok) {
      const e = json?.error
      throw new SimError('SIM_ERR_API', `${method} ${path} answered ${res.status}${e ? ` ${e.code}: ${e.message}` : `: ${text.slice(0, 200)}`}`)
    }
    return json as T
  }

  get<T = any> (path: string): Promise<T> { return this.request<T>('GET', path) }
  post<T = any> (path: string, body: unknown = {}): Promise<T> { return this.request<T>('POST', path, body) }
}
