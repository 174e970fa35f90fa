/**
 * Starts the real embedded platform (aedes over TCP, Fastify, socket.io, PGlite) on free
 * ports for a test, and drives it through its public REST API like any client would.
 */
import { pino, type Logger } from 'pino'
import { io, type Socket } from 'socket.io-client'
import type { ClientToServerEvents, DeviceType, LoginResponse, ServerToClientEvents } from '@eldercare/protocols'
import { loadConfig, startEmbedded, type Embedded } from '@eldercare/platform'
import { SimDevice } from '@eldercare/device-sim'

export const ADMIN = { username: 'admin', password: 'admin-test-pass' }

/** One data key for every platform node of a test run: with DATABASE_URL or REDIS_URL it is required (issue 13). */
export const TEST_DATA_KEY = Buffer.alloc(32, 7).toString('base64')

export interface TestPlatform extends Embedded {
  httpUrl: string
  mqttUrl: string
  api: Api
}

export async function startTestPlatform (env: Record<string, string> = {}, opts: { logger?: Logger, app?: Parameters<typeof startEmbedded>[0]['app'], dashboardDir?: string, gateway?: Parameters<typeof startEmbedded>[0]['gateway'], vacuum?: Parameters<typeof startEmbedded>[0]['vacuum'] } = {}): Promise<TestPlatform> {
  const config = loadConfig({
    HTTP_PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0', HOST: '127.0.0.1',
    DATA_DIR: 'memory://', DEMO: 'off', ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password,
    ...((env.DATABASE_URL || env.REDIS_URL) && !env.DATA_KEY && !env.DATA_KEY_FILE ? { DATA_KEY: TEST_DATA_KEY } : {}),
    ...env
  })
  const node = await startEmbedded({ config, logger: opts.logger ?? pino({ level: 'silent' }), app: opts.app, dashboardDir: opts.dashboardDir ?? '/nonexistent', gateway: opts.gateway, vacuum: opts.vacuum })
  const httpUrl = `http://127.0.0.1:${node.ports.http}`
  return Object.assign(node, { httpUrl, mqttUrl: `mqtt://127.0.0.1:${node.ports.mqtt}`, api: new Api(httpUrl) })
}

export class ApiError extends Error {
  constructor (readonly status: number, readonly body: any) { super(`HTTP ${status}: ${JSON.stringify(body)}`) }
}

/** A small REST client: JSON in and out, bearer token, throws ApiError on non-2xx. */
export class Api {
  token: string | null = null
  constructor (readonly baseUrl: string) {}

  async login (username = ADMIN.username, password = ADMIN.password): Promise<LoginResponse> {
    const r = await this.post<LoginResponse>('/api/auth/login', { username, password })
    this.token = r.token
    return r
  }

  async request<T = any> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined
    })
    const text = await res.text()
    const json = text ? JSON.parse(text) : null
    if (!res.ok) throw new ApiError(res.status, json)
    return json as T
  }

  get<T = any> (path: string) { return this.request<T>('GET', path) }
  post<T = any> (path: string, body: unknown = {}) { return this.request<T>('POST', path, body) }

  socket (): Socket<ServerToClientEvents, ClientToServerEvents> {
    return io(this.baseUrl, { auth: { token: this.token }, transports: ['websocket'], reconnection: false })
  }

  /** A socket of this user, once the platform has admitted it (rejects on a refused connect). */
  async connectedSocket (): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> {
    const socket = this.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject) })
    return socket
  }
}

export interface SeededHome {
  districtId: string
  streetId: string
  communityId: string
  siteId: string
  residentId: string
  device: { id: string, secret: string }
}

/** district → street → community → home → resident → one device, through the REST API. */
export async function seedHome (api: Api, opts: { deviceType?: DeviceType, deviceId?: string, name?: string, contacts?: Array<{ name: string, phone: string, relation?: string, notify?: boolean }> } = {}): Promise<SeededHome> {
  const areas = await api.get<{ items: Array<{ id: string, level: string }> }>('/api/areas')
  const city = areas.items.find((a) => a.level === 'city')!
  const tag = opts.name ?? Math.random().toString(36).slice(2, 8)
  const district = await api.post('/api/areas', { name: `区-${tag}`, level: 'district', parentId: city.id })
  const street = await api.post('/api/areas', { name: `街道-${tag}`, level: 'street', parentId: district.id })
  const community = await api.post('/api/areas', { name: `社区-${tag}`, level: 'community', parentId: street.id })
  const site = await api.post('/api/sites', { name: `家庭养老床位-${tag}`, kind: 'home', areaId: community.id, address: '幸福路 1 号' })
  const resident = await api.post('/api/residents', { name: `王奶奶-${tag}`, siteId: site.id, birthDate: '1940-02-03', phone: '13800001234', livesAlone: true, capacityLevel: 2, ...(opts.contacts ? { contacts: opts.contacts } : {}) })
  const device = await api.post('/api/devices', { type: opts.deviceType ?? 'fall_detector', siteId: site.id, residentId: resident.id, ...(opts.deviceId ? { id: opts.deviceId } : {}) })
  return { districtId: district.id, streetId: street.id, communityId: community.id, siteId: site.id, residentId: resident.id, device: { id: device.id, secret: device.secret } }
}

/** A home seeded through the API (seedHome) with its fall detector connected over MQTT; the caller closes the device. */
export async function seedFallingHome (p: TestPlatform): Promise<{ home: SeededHome, device: SimDevice }> {
  const home = await seedHome(p.api)
  const device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'fall_detector' } })
  await device.connect()
  return { home, device }
}

/** Resolves with the first event `name` for which `match` holds, or rejects after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents> (socket: Socket<ServerToClientEvents, ClientToServerEvents>, name: E, match: (p: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true, timeoutMs = 5000): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.off(name, handler as never); reject(new Error(`no ${String(name)} within ${timeoutMs} ms`)) }, timeoutMs)
    const handler = (p: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!match(p)) return
      clearTimeout(timer)
      socket.off(name, handler as never)
      resolve(p)
    }
    socket.on(name, handler as never)
  })
}

/** Polls `fn` until it returns a truthy value, or throws after `timeoutMs`. */
export async function eventually<T> (fn: () => Promise<T | null | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
