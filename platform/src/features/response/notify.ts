/**
 * Notifications to people outside the console: family contacts, responders, supervisors.
 * A channel delivers one message; SMS, voice and WeChat providers attach through the webhook
 * channel (they receive a signed JSON message and deliver it their way).
 */
import { createHmac } from 'node:crypto'
import type { Logger } from 'pino'
import type { Queryable } from '../../db/db.ts'

/** `incident_shared`: an incident as an upper platform's integration account receives it (features/supervision/integrations.ts) */
export type NotificationKind = 'incident_opened' | 'incident_resolved' | 'dispatch_offer' | 'escalation' | 'incident_shared'

export interface Notification {
  kind: NotificationKind
  incidentId: string
  /** who should receive it; phone numbers go to the channel, never to logs */
  to: { name: string, phone?: string | null, relation?: string | null, role?: string }
  /** a short human text, Chinese first */
  text: string
  /** e.g. the responder's signed link */
  link?: string
  data?: Record<string, unknown>
}

export interface NotificationChannel {
  readonly name: string
  /** Resolves when delivered; throws when it could not be delivered after its own retries. */
  send(n: Notification): Promise<void>
  /**
   * A channel whose messages must survive a crash delivers through the outbox (./outbox.ts): one
   * attempt, the same `key` on every attempt, retries and backoff left to the outbox. Throws a
   * WebhookError (`retryable` false when retrying cannot help).
   */
  attempt?(n: Notification, meta: DeliveryMeta): Promise<void>
  /**
   * false: the result is logged, not written on the incident's timeline. An upper platform's feed
   * follows every announcement; a failure written there would be announced again, and fed again.
   */
  readonly timeline?: boolean
}

/** The store a notifier puts durable channels' messages in (./outbox.ts implements it). */
export interface NotificationStore {
  /** Stores the message for `channel` (through `q`; in a transaction, with its commit); resolves with its id. */
  enqueue(channel: string, n: Notification, q?: Queryable): Promise<string>
  /** Resolves when the messages `ids` are delivered or failed for good. */
  settled(ids: readonly string[]): Promise<void>
  stop(): Promise<void>
}

/** What the outbox tells a channel about the attempt: the idempotency key and the attempt number (1 first). */
export interface DeliveryMeta { key: string, attempt: number }

/** Writes each notification to the log (without the phone number): the default, and an audit trail. */
export class LogChannel implements NotificationChannel {
  readonly name = 'log'
  constructor (private readonly log: Logger) {}
  async send (n: Notification): Promise<void> {
    this.log.info({ incidentId: n.incidentId, kind: n.kind, to: n.to.name, role: n.to.role }, n.text)
  }
}

export interface WebhookChannelOptions {
  url: string
  /** HMAC-SHA256 key; the signature is sent as `x-eldercare-signature: sha256=<hex>` over `<timestamp>.<body>` */
  secret: string
  /** attempts in all, the first included. Default 5. */
  attempts?: number
  /** wait before the second attempt, doubled each time. Default 1000 ms. */
  backoffMs?: number
  /** per-attempt timeout. Default 10000 ms. */
  timeoutMs?: number
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

import { errors } from '../../errors.ts'

export class WebhookError extends Error {
  readonly code = errors.WEBHOOK.code
  /** false when the receiver refused the message itself (a 4xx other than 408/429) */
  constructor (message: string, readonly retryable = true) { super(message) }
}

/** Signature a receiver recomputes to trust a message: HMAC-SHA256 of `${timestamp}.${body}`. */
export function signWebhook (secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

export interface SignedPost { url: string, secret: string, timestamp: string, body: string, attempt: number, key?: string, timeoutMs: number }

/**
 * One signed HTTP POST; throws a WebhookError, retryable unless the receiver refused the message
 * itself. Shared by the notification webhook and the integration accounts' webhooks.
 */
export async function postSigned (p: SignedPost): Promise<void> {
  const fail = (why: string, retryable = true) => new WebhookError(`webhook ${new URL(p.url).host} failed: ${why}`, retryable)
  let res: Response
  try {
    res = await fetch(p.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'x-eldercare-timestamp': p.timestamp, 'x-eldercare-signature': signWebhook(p.secret, p.timestamp, p.body),
        'x-eldercare-attempt': String(p.attempt), ...(p.key ? { 'idempotency-key': p.key } : {})
      },
      body: p.body,
      signal: AbortSignal.timeout(p.timeoutMs)
    })
    await res.arrayBuffer()
  } catch (err) {
    throw fail((err as Error).message)
  }
  if (res.ok) return
  // A 4xx other than 408/429 will not get better by retrying.
  throw fail(`HTTP ${res.status}`, res.status >= 500 || res.status === 408 || res.status === 429)
}

/** HTTP POST of the notification as JSON, signed, retried with exponential backoff on failure. */
export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook'
  private readonly o: Required<WebhookChannelOptions>
  constructor (opts: WebhookChannelOptions) {
    this.o = {
      attempts: 5, backoffMs: 1000, timeoutMs: 10_000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      ...opts
    }
  }

  async send (n: Notification): Promise<void> {
    let last: WebhookError | null = null
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      try {
        return await this.post(JSON.stringify(n), attempt)
      } catch (err) {
        last = err as WebhookError
        if (!last.retryable) break
      }
      if (attempt < this.o.attempts) await this.o.sleep(this.o.backoffMs * 2 ** (attempt - 1))
    }
    throw last!
  }

  /** One attempt through the outbox: the idempotency key goes inside the signed body, so a receiver can drop a repeat. */
  attempt (n: Notification, meta: DeliveryMeta): Promise<void> {
    return this.post(JSON.stringify({ ...n, idempotencyKey: meta.key }), meta.attempt, meta.key)
  }

  private post (body: string, attempt: number, key?: string): Promise<void> {
    return postSigned({ url: this.o.url, secret: this.o.secret, timestamp: String(this.o.now()), body, attempt, key, timeoutMs: this.o.timeoutMs })
  }

  /** Per-attempt timeout, for the outbox's claim lease. */
  get timeoutMs (): number { return this.o.timeoutMs }
}

/**
 * Sends each notification on every channel, in the background (after the transaction that
 * caused it), and records the result on the incident's timeline so a failure is visible there.
 * With an outbox, a channel that can (`attempt`) delivers through it: the message is stored
 * first and any platform process delivers it, so a crash loses no retry (./outbox.ts).
 */
export class Notifier {
  private readonly pending = new Set<Promise<void>>()
  private readonly queued: string[] = []
  constructor (
    private readonly channels: NotificationChannel[],
    private readonly record: (incidentId: string, kind: 'notified' | 'notification_failed', data: Record<string, unknown>) => Promise<void>,
    private readonly log: Logger,
    private readonly outbox?: NotificationStore
  ) {}

  notify (n: Notification): void {
    for (const ch of this.channels) this.toChannel(ch, n)
  }

  /**
   * Like notify, but a durable channel's message is stored through `q` — inside the caller's
   * transaction, so it commits (or not) with the change that caused it; resolves once stored, or
   * in a transaction once queued to be stored with its commit (outbox.ts).
   */
  async enqueue (q: Queryable, n: Notification): Promise<void> {
    for (const ch of this.channels) {
      if (this.outbox && ch.attempt) this.queued.push(await this.outbox.enqueue(ch.name, n, q))
      else this.toChannel(ch, n)
    }
  }

  private toChannel (ch: NotificationChannel, n: Notification): void {
    const base = { channel: ch.name, kind: n.kind, to: n.to.name, ...(n.to.role ? { role: n.to.role } : {}) }
    const p: Promise<void> = (this.outbox && ch.attempt
      ? this.outbox.enqueue(ch.name, n).then((id) => { this.queued.push(id) },
        (err: Error) => this.record(n.incidentId, 'notification_failed', { ...base, error: `not stored for delivery: ${err.message}` }))
      : ch.send(n)
        .then(() => ch.name === 'log' ? undefined : this.record(n.incidentId, 'notified', base),
          (err: Error) => this.record(n.incidentId, 'notification_failed', { ...base, error: err.message })))
      .catch((err) => this.log.warn({ err, incidentId: n.incidentId }, 'notification result not recorded'))
      .finally(() => this.pending.delete(p))
    this.pending.add(p)
  }

  /** Resolves when every notification sent so far has been delivered or has failed for good (tests). */
  async flush (): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending])
    await this.outbox?.settled(this.queued.splice(0))
  }

  /** Shutdown: waits for what is in hand; stored messages stay in the outbox for any process. */
  async close (): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending])
    await this.outbox?.stop()
  }
}
