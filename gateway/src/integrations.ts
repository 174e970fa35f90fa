/**
 * MQTT for upper platforms' integration accounts (issue 16), kept apart from devices and
 * observers. An integration account (platform `POST /api/integrations`) logs in with the
 * username `integration:<username>`, a clientId starting with `integration:` (a device id can
 * never contain `:` [P-1.3]) and its API token as the password. It may:
 *   - subscribe to `care/v1/areas/<areaId>/incidents` for an area inside its own subtree, where
 *     the platform publishes each announced incident (QoS 1, after commit, names masked);
 *   - use its own sandbox `sandbox/<username>/#` with every right a standard MQTT 3.1.1 client
 *     has (publish and subscribe at QoS 0–2, retained messages, wills): how an integrator tests a
 *     bridge and how the broker's conformance is shown, without touching device traffic.
 * Anything else is refused: a SUBACK failure for a subscription, a closed connection for a publish.
 */
import type { Client, PublishPacket, Subscription } from 'aedes'
import type { Logger } from 'pino'
import { hashDeviceSecret } from '@eldercare/common'
import type { Sql } from './store.ts'

export const INTEGRATION_PREFIX = 'integration:'
const INCIDENTS_TOPIC = /^care\/v1\/areas\/([^/#+]{1,64})\/incidents$/

export interface IntegrationSession { userId: string, username: string, areaPath: string, sandbox: string, areas: Set<string> }

export class IntegrationClients {
  private readonly sessions = new WeakMap<Client, IntegrationSession>()
  constructor (private readonly sql: Sql, private readonly log: Logger) {}

  static isLogin (clientId: string, username: string | undefined): boolean {
    return clientId.startsWith(INTEGRATION_PREFIX) || (username?.startsWith(INTEGRATION_PREFIX) ?? false)
  }

  /** Checks the login; true when accepted (the caller answers CONNACK 4 otherwise). */
  async authenticate (client: Client, username: string | undefined, password: Buffer | undefined): Promise<boolean> {
    if (!username?.startsWith(INTEGRATION_PREFIX) || !client.id.startsWith(INTEGRATION_PREFIX) || !password) return false
    const name = username.slice(INTEGRATION_PREFIX.length)
    const { rows } = await this.sql.query<{ id: string, path: string }>(
      `select u.id, a.path from auth_tokens t join users u on u.id = t.user_id join areas a on a.id = u.area_id
        where t.token_hash = $1 and t.revoked_at is null and t.expires_at > now() and not u.disabled and u.role = 'integration' and u.username = $2`,
      [hashDeviceSecret(password), name])
    if (!rows[0]) return false
    this.sessions.set(client, { userId: rows[0].id, username: name, areaPath: rows[0].path, sandbox: `sandbox/${name}/`, areas: new Set() })
    return true
  }

  session (client: Client | null): IntegrationSession | undefined {
    return client ? this.sessions.get(client) : undefined
  }

  forget (client: Client): void { this.sessions.delete(client) }

  /** aedes `authorizeSubscribe`: its sandbox, or the incidents of an area in its subtree. */
  subscribe (client: Client, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void): void {
    const s = this.sessions.get(client)!
    if (sub.topic.startsWith(s.sandbox) || sub.topic === s.sandbox.slice(0, -1)) return done(null, sub)
    const m = INCIDENTS_TOPIC.exec(sub.topic)
    if (!m) { this.log.warn({ integration: s.username, topic: sub.topic }, 'integration subscription refused'); return done(null, null) }
    this.sql.query<{ path: string }>('select path from areas where id = $1', [m[1]]).then(({ rows }) => {
      if (!rows[0]?.path.startsWith(s.areaPath)) { this.log.warn({ integration: s.username, topic: sub.topic }, 'integration subscription outside its area refused'); return done(null, null) }
      s.areas.add(m[1])
      done(null, sub)
    }, (err: Error) => done(err))
  }

  /** aedes `authorizePublish`: only inside its sandbox. */
  publish (client: Client, packet: PublishPacket, done: (err?: Error | null) => void): void {
    const s = this.sessions.get(client)!
    if (packet.topic.startsWith(s.sandbox)) return done(null)
    this.log.warn({ integration: s.username, topic: packet.topic }, 'integration publish outside its sandbox refused')
    done(new Error('integration accounts publish only under their sandbox'))
  }

  /** aedes `authorizeForward`: its sandbox and the incident topics it was allowed to subscribe to. */
  forward<P extends PublishPacket> (client: Client, packet: P): P | null {
    const s = this.sessions.get(client)
    if (!s) return packet
    if (packet.topic.startsWith(s.sandbox)) return packet
    const m = INCIDENTS_TOPIC.exec(packet.topic)
    return m && s.areas.has(m[1]) ? packet : null
  }
}
