/**
 * Interconnection upward (issue 16): an integration account is a user with the role
 * `integration` — read-only (the `statistics.read` capability: population, coverage,
 * statements), scoped to its area subtree like every user — holding a long-lived API token
 * shown once. It may also receive the incidents of its subtree over a signed webhook, after
 * commit (through the notification outbox: retried, at least once, idempotency key signed), masked by the data-sharing rules: a whitelist of fields, never ID numbers, phones,
 * addresses or key-safe codes; the resident's name masked (张**) unless the account may see names.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { IncidentDto } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { hashPassword, generatePassword } from '../auth/passwords.ts'
import { createSession } from '../auth/sessions.ts'
import { generateToken } from '../auth/tokens.ts'
import { postSigned, WebhookError, type DeliveryMeta, type Notification, type NotificationChannel } from '../response/notify.ts'
import { areaInScope, auditFor, Id, IdParams, scopeOf, uniqueOr409 } from '../registry/scope.ts'

/** Masks a personal name for sharing: the first character kept (张三丰 → 张**). */
export function maskName (name: string | null): string | null {
  if (name == null) return null
  const chars = [...name]
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1)
}

/** The incident as an upper platform may receive it: listed fields only, the name masked unless allowed. */
export function sharedIncident (inc: IncidentDto, revealNames: boolean) {
  return {
    id: inc.id, type: inc.type, priority: inc.priority, status: inc.status,
    residentId: inc.residentId, residentName: revealNames ? inc.residentName : maskName(inc.residentName),
    areaId: inc.areaId, areaName: inc.areaName, alarmCount: inc.alarmCount,
    openedAt: inc.openedAt, acknowledgedAt: inc.acknowledgedAt, resolvedAt: inc.resolvedAt, outcome: inc.outcome,
    ackBreached: inc.ackBreached ?? false, updatedAt: inc.updatedAt
  }
}

/** The MQTT topic of an area's incident feed. */
export const incidentTopic = (areaId: string) => `care/v1/areas/${areaId}/incidents`

/**
 * Publishes each announced incident (after its commit) on the incident topic of its area and of
 * every area above it, so an account subscribes to its own area's topic. One topic serves many
 * accounts, so names are always masked here.
 */
export function incidentFeed (app: FastifyInstance, publish: (topic: string, payload: string) => Promise<void>): void {
  app.realtime.onIncident((event, incident, areaPath) => {
    const body = JSON.stringify({ event, incident: sharedIncident(incident, false) })
    for (const areaId of areaPath.split('/').filter(Boolean)) {
      publish(incidentTopic(areaId), body).catch((err) => app.log.warn({ err: String(err), areaId }, 'incident feed not published'))
    }
  })
}

const CreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'the upper platform, e.g. 南阳市养老服务平台' }),
  username: Type.String({ pattern: '^[A-Za-z0-9._-]{3,64}$' }),
  areaId: Id,
  revealNames: Type.Optional(Type.Boolean({ description: 'the data-sharing agreement allows residents\' names; default masked' })),
  webhookUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
  webhookSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
  tokenDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 730, description: 'API token lifetime; default 365' }))
}, { additionalProperties: false })

interface Account { userId: string, name: string, areaPath: string, revealNames: boolean }

/** The accounts with a webhook, for matching an incident to its receivers (no secret: the channel reads it at each attempt). */
async function webhookAccounts (q: Queryable): Promise<Account[]> {
  const { rows } = await q.query<Record<string, any>>(
    `select i.user_id, i.name, a.path, i.reveal_names from integration_accounts i
       join users u on u.id = i.user_id join areas a on a.id = u.area_id where not u.disabled and i.webhook_url is not null`)
  return rows.map((r) => ({ userId: r.user_id, name: r.name, areaPath: r.path, revealNames: r.reveal_names }))
}

/** What an integration delivery keeps in the outbox: the incident already shared (masked), never the secret. */
interface SharedDelivery { accountId: string, event: string, incident: ReturnType<typeof sharedIncident> }

/**
 * The upper platforms' webhooks as a durable channel of the notification outbox (migration
 * 0017): each delivery is a row written before any attempt, retried with backoff by any platform
 * process, at least once, with the row's id as `idempotencyKey` inside the signed body (and the
 * `idempotency-key` header) so the receiver drops a repeat. The account is read at each attempt:
 * a disabled account, or one whose webhook was removed, receives nothing more.
 */
export class IntegrationWebhookChannel implements NotificationChannel {
  readonly name = 'integration'
  /** deliveries follow announcements: their results stay off the incident's timeline (see NotificationChannel.timeline) */
  readonly timeline = false
  constructor (private readonly db: Queryable, private readonly decrypt: (enc: string) => string, private readonly timeoutMs = 5000) {}

  send (n: Notification): Promise<void> { return this.attempt(n, { key: randomUUID(), attempt: 1 }) }

  async attempt (n: Notification, meta: DeliveryMeta): Promise<void> {
    const d = n.data as unknown as SharedDelivery
    const { rows } = await this.db.query<{ webhook_url: string | null, webhook_secret_enc: string | null, disabled: boolean }>(
      'select i.webhook_url, i.webhook_secret_enc, u.disabled from integration_accounts i join users u on u.id = i.user_id where i.user_id = $1', [d.accountId])
    const acc = rows[0]
    if (!acc || acc.disabled || !acc.webhook_url || !acc.webhook_secret_enc) throw new WebhookError(`integration account ${d.accountId} is disabled or has no webhook`, false)
    const body = JSON.stringify({ event: d.event, account: d.accountId, incident: d.incident, idempotencyKey: meta.key })
    await postSigned({ url: acc.webhook_url, secret: this.decrypt(acc.webhook_secret_enc), timestamp: String(Math.floor(Date.now() / 1000)), body, attempt: meta.attempt, key: meta.key, timeoutMs: this.timeoutMs })
  }
}

export interface IntegrationOptions {
  /** how long the account list is cached, ms */
  cacheMs?: number
}

export const integrationRoutes: FastifyPluginAsync<IntegrationOptions> = async (app, opts) => {
  const audit = auditFor(app)
  const admin = [app.authenticate, app.requireCapability('registry.write')]

  app.post<{ Body: Static<typeof CreateBody> }>('/api/integrations', {
    schema: { tags: ['supervision'], summary: 'Create an upper platform\'s integration account (read-only, area subtree); answers its API token once', body: CreateBody },
    preHandler: admin
  }, async (req, reply) => {
    const b = req.body
    if ((b.webhookUrl == null) !== (b.webhookSecret == null)) throw errors.VALIDATION('webhookUrl and webhookSecret go together: the webhook is signed')
    const area = await areaInScope(app.db, b.areaId, scopeOf(req))
    const id = randomUUID()
    const token = generateToken()
    const expiresAt = new Date(Date.now() + (b.tokenDays ?? 365) * 86_400_000)
    await uniqueOr409(() => app.db.transaction(async (tx) => {
      // No one signs in as this account: its password is random and never shown.
      await tx.query('insert into users (id, username, password_hash, role, area_id, display_name) values ($1, $2, $3, $4, $5, $6)',
        [id, b.username, await hashPassword(generatePassword()), 'integration', area.id, b.name])
      await tx.query('insert into integration_accounts (user_id, name, reveal_names, webhook_url, webhook_secret_enc, created_by) values ($1, $2, $3, $4, $5, $6)',
        [id, b.name, b.revealNames ?? false, b.webhookUrl ?? null, b.webhookSecret ? app.fieldCrypto.encrypt(b.webhookSecret) : null, req.user.username])
      await createSession(tx, token, id, expiresAt)
      await audit(req, 'integration.create', 'user', id, { name: b.name, areaId: area.id, revealNames: b.revealNames ?? false, webhook: Boolean(b.webhookUrl) }, tx)
    }), () => errors.USERNAME_TAKEN('username', b.username))
    cache = null
    return reply.code(201).send({ id, username: b.username, name: b.name, areaId: area.id, revealNames: b.revealNames ?? false, webhookUrl: b.webhookUrl ?? null, token, tokenExpiresAt: expiresAt.toISOString() })
  })

  app.get('/api/integrations', {
    schema: { tags: ['supervision'], summary: 'Integration accounts in your scope (no secrets)' }, preHandler: admin
  }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select u.id, u.username, u.area_id, u.disabled, i.name, i.reveal_names, i.webhook_url, i.created_at from integration_accounts i
         join users u on u.id = i.user_id join areas a on a.id = u.area_id where a.path like $1 || '%' order by i.created_at`, [scopeOf(req)])
    return { items: rows.map((r) => ({ id: r.id, username: r.username, name: r.name, areaId: r.area_id, disabled: r.disabled, revealNames: r.reveal_names, webhookUrl: r.webhook_url, createdAt: new Date(r.created_at).toISOString() })) }
  })

  app.post<{ Params: Static<typeof IdParams> }>('/api/integrations/:id/disable', {
    schema: { tags: ['supervision'], summary: 'Disable an integration account: its token stops working, its webhook stops', params: IdParams }, preHandler: admin
  }, async (req) => {
    const { rows } = await app.db.query<{ id: string }>(
      `update users u set disabled = true from areas a where u.id = $1 and u.role = 'integration' and a.id = u.area_id and a.path like $2 || '%' returning u.id`, [req.params.id, scopeOf(req)])
    if (!rows[0]) throw errors.NOT_FOUND('integration account')
    await audit(req, 'integration.disable', 'user', req.params.id)
    cache = null
    return { id: req.params.id, disabled: true }
  })

  // Delivery: every announced incident (announced only after its commit) goes to the accounts above
  // it, through the outbox, so a receiver that is down or a node that dies loses nothing.
  let cache: { at: number, accounts: Account[] } | null = null
  const accounts = async () => {
    if (!cache || Date.now() - cache.at > (opts.cacheMs ?? 10_000)) cache = { at: Date.now(), accounts: await webhookAccounts(app.db) }
    return cache.accounts
  }
  app.response.outbox.addChannel(new IntegrationWebhookChannel(app.db, (enc) => app.fieldCrypto.decrypt(enc)))
  app.realtime.onIncident((event, incident, areaPath) => {
    accounts().then(async (list) => {
      for (const acc of list.filter((a) => areaPath.startsWith(a.areaPath))) {
        const data: SharedDelivery = { accountId: acc.userId, event, incident: sharedIncident(incident, acc.revealNames) }
        await app.response.outbox.enqueue('integration', { kind: 'incident_shared', incidentId: incident.id, to: { name: acc.name, role: 'integration' }, text: event, data: data as unknown as Record<string, unknown> })
      }
    }).catch((err) => app.log.error({ err }, 'integration deliveries not stored'))
  })
}
