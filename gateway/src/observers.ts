/**
 * MQTT observers: read-only accounts an administrator creates for an area (platform
 * `POST /api/observers`), used by recorders such as `device-sim record`.
 *
 * The rule that keeps them apart from devices: an observer logs in with the username
 * `observer:<name>` and a clientId that also starts with `observer:`. A device id can never
 * contain `:` ([P-1.3]), so an observer can neither be mistaken for a device nor take over a
 * device's session by reusing its clientId.
 *
 * An observer may subscribe only to `care/v1/devices/#`, `care/v1/devices/+/<kind>` or
 * `care/v1/devices/<id>/<kind>` for an upstream kind; it may never publish; and it receives
 * only upstream messages of devices whose site lies inside its area (areas.path prefix).
 * The area check runs per packet in aedes' synchronous `authorizeForward`, so it reads a
 * cached device → area-path map that is filled before a message is forwarded: when an
 * observer connects (every device of its area) and in `authorizePublish` (the publishing device).
 */
import type { Client, PublishPacket } from 'aedes'
import type { Logger } from 'pino'
import { verifyDeviceSecret } from '@eldercare/common'
import { OBSERVER_PREFIX, TOPIC_PREFIX, UPSTREAM_KINDS, isUpstreamKind, parseDeviceTopic } from '@eldercare/protocols'
import type { Sql } from './store.ts'

export interface ObserverSession {
  id: string
  username: string
  /** materialised path of the observer's area; it sees devices whose area path starts with it */
  areaPath: string
}

export interface ObserversOptions {
  /** How long a device's area path is trusted, in ms. Default 60000. */
  areaCacheTtlMs?: number
  now?: () => number
}

const SUBSCRIBABLE = new Set<string>([`${TOPIC_PREFIX}#`, ...UPSTREAM_KINDS.map((k) => `${TOPIC_PREFIX}+/${k}`)])

/** Whether a CONNECT belongs to an observer (either field carrying the prefix is enough to keep it off the device path). */
export function isObserverLogin (clientId: string, username: string | undefined): boolean {
  return clientId.startsWith(OBSERVER_PREFIX) || (username?.startsWith(OBSERVER_PREFIX) ?? false)
}

/** The subscription filters an observer may use; null when allowed, else the reason. */
export function observerSubscribeRefusal (topic: string): string | null {
  if (SUBSCRIBABLE.has(topic)) return null
  const parsed = parseDeviceTopic(topic)
  if (parsed && isUpstreamKind(parsed.kind)) return null
  return `observers may subscribe only to ${TOPIC_PREFIX}#, ${TOPIC_PREFIX}+/<kind> or ${TOPIC_PREFIX}<id>/<kind> for an upstream kind, not "${topic}"`
}

export class Observers {
  private readonly sessions = new WeakMap<Client, ObserverSession>()
  private readonly areaOf = new Map<string, { path: string | null, at: number }>()
  private readonly pending = new Map<string, Promise<void>>()
  private readonly ttlMs: number
  private readonly now: () => number
  /** connected observers; while zero, publishing devices cost no area lookup */
  private connected = 0

  constructor (private readonly sql: Sql, private readonly log: Logger, opts: ObserversOptions = {}) {
    this.ttlMs = opts.areaCacheTtlMs ?? 60_000
    this.now = opts.now ?? Date.now
  }

  /** Checks an observer's login; resolves with its session, or null (the gateway answers CONNACK 4). */
  async authenticate (client: Client, username: string | undefined, password: Buffer | undefined): Promise<ObserverSession | null> {
    if (!username?.startsWith(OBSERVER_PREFIX) || !client.id.startsWith(OBSERVER_PREFIX) || !password) return null
    const { rows } = await this.sql.query<{ id: string, secret_hash: string, disabled: boolean, path: string }>(
      `select o.id, o.secret_hash, o.disabled, a.path from mqtt_observers o join areas a on a.id = o.area_id where o.username = $1`,
      [username.slice(OBSERVER_PREFIX.length)])
    const r = rows[0]
    if (!r || r.disabled || !verifyDeviceSecret(password, r.secret_hash)) return null
    const session: ObserverSession = { id: r.id, username, areaPath: r.path }
    await this.loadArea(r.path) // retained status messages are forwarded at SUBSCRIBE, before any device publishes
    this.sessions.set(client, session)
    this.connected++
    return session
  }

  session (client: Client | null): ObserverSession | undefined {
    return client ? this.sessions.get(client) : undefined
  }

  forget (client: Client): void {
    if (this.sessions.delete(client)) this.connected--
  }

  /** Before a device's message is forwarded: makes sure its area path is cached (only while observers are connected). */
  prime (deviceId: string): Promise<void> | undefined {
    // nothing to wait for (no observer, or the area known): no promise, so the ingest goes on at once
    if (this.connected === 0) return
    const hit = this.areaOf.get(deviceId)
    if (hit && this.now() - hit.at < this.ttlMs) return
    let p = this.pending.get(deviceId)
    if (!p) {
      p = this.sql.query<{ path: string }>(
        'select a.path from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where d.id = $1', [deviceId])
        .then(({ rows }) => { this.areaOf.set(deviceId, { path: rows[0]?.path ?? null, at: this.now() }) })
        .catch((err) => { this.log.warn({ deviceId, err }, 'area of device not looked up; observers will not see its message') })
        .finally(() => this.pending.delete(deviceId))
      this.pending.set(deviceId, p)
    }
    return p
  }

  /**
   * aedes `authorizeForward`: to an observer only upstream messages of devices inside its area;
   * a device whose area is unknown is not forwarded (fail closed). Other clients are not touched.
   */
  forward<P extends PublishPacket> (client: Client, packet: P): P | null {
    const session = this.sessions.get(client)
    if (!session) return packet
    const parsed = parseDeviceTopic(packet.topic)
    if (!parsed || !isUpstreamKind(parsed.kind)) return null
    const path = this.areaOf.get(parsed.deviceId)?.path
    return path?.startsWith(session.areaPath) ? packet : null
  }

  private async loadArea (areaPath: string): Promise<void> {
    const { rows } = await this.sql.query<{ id: string, path: string }>(
      `select d.id, a.path from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where a.path like $1 || '%'`, [areaPath])
    const at = this.now()
    for (const r of rows) this.areaOf.set(r.id, { path: r.path, at })
  }
}
