/**
 * Registers the benchmark's fleet through the REST API as an administrator would: one district,
 * one street, communities of 500 homes, and per home one resident wearing one wearable — so
 * every fall of the run belongs to a resident of its own and opens an incident of its own.
 * Uses the bulk CSV import (docs/platform.md, "Bulk import"), in chunks.
 */
import type { BenchDevice } from './protocol.ts'

const HOMES_PER_COMMUNITY = 500
const CHUNK = 2500

class Rest {
  token = ''
  constructor (readonly baseUrl: string) {}
  async call<T> (method: string, path: string, body?: string, type = 'application/json'): Promise<{ text: string, json: T }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': type } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`)
    const json = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) as T : (undefined as T)
    return { text, json }
  }

  post<T> (path: string, body: unknown) { return this.call<T>('POST', path, JSON.stringify(body)).then((r) => r.json) }
  csv (path: string, rows: string[][]) { return this.call<unknown>('POST', path, rows.map((r) => r.join(',')).join('\n') + '\n', 'text/csv') }
}

const pad = (i: number) => String(i + 1).padStart(5, '0')

export async function provisionFleet (httpUrl: string, admin: { username: string, password: string }, n: number): Promise<{ token: string, devices: BenchDevice[] }> {
  const api = new Rest(httpUrl)
  api.token = (await api.post<{ token: string }>('/api/auth/login', admin)).token
  const areas = (await api.call<{ items: Array<{ id: string, level: string, depth: number }> }>('GET', '/api/areas')).json.items
  const top = areas.find((a) => a.depth === 0)
  if (!top) throw new Error('the administrator sees no area')
  const district = await api.post<{ id: string }>('/api/areas', { name: '压测区', level: 'district', parentId: top.id })
  const street = await api.post<{ id: string }>('/api/areas', { name: '压测街道', level: 'street', parentId: district.id })
  const communities: string[] = []
  for (let c = 0; c < Math.ceil(n / HOMES_PER_COMMUNITY); c++) {
    communities.push((await api.post<{ id: string }>('/api/areas', { name: `压测社区 ${c + 1}`, level: 'community', parentId: street.id })).id)
  }
  const devices: BenchDevice[] = []
  for (let from = 0; from < n; from += CHUNK) {
    const idx = Array.from({ length: Math.min(CHUNK, n - from) }, (_, k) => from + k)
    await api.csv('/api/import/sites', [['id', 'name', 'kind', 'area_id'], ...idx.map((i) => [`bench-s-${pad(i)}`, `压测家庭 ${pad(i)}`, 'home', communities[Math.floor(i / HOMES_PER_COMMUNITY)]])])
    await api.csv('/api/import/residents', [['id', 'name', 'site_id', 'birth_date'], ...idx.map((i) => [`bench-r-${pad(i)}`, `压测老人 ${pad(i)}`, `bench-s-${pad(i)}`, '1940-01-01'])])
    const secrets = await api.csv('/api/import/devices', [['id', 'type', 'site_id', 'resident_id'], ...idx.map((i) => [`bench-w-${pad(i)}`, 'wearable', `bench-s-${pad(i)}`, `bench-r-${pad(i)}`])])
    // line,id,type,site_id,resident_id,secret — secrets are base64url, never quoted
    const [header, ...lines] = secrets.text.trim().split(/\r?\n/)
    const cols = header.split(',')
    const id = cols.indexOf('id')
    const secret = cols.indexOf('secret')
    for (const line of lines) {
      const cells = line.split(',')
      devices.push({ id: cells[id], secret: cells[secret] })
    }
  }
  if (devices.length !== n) throw new Error(`provisioned ${devices.length} devices, wanted ${n}`)
  return { token: api.token, devices }
}
