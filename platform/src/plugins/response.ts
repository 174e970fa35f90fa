/**
 * The response engine's moving parts in one plugin: the policy store, dispatch, notifications,
 * the SLA scheduler, and the incident effects (features/incidents/effects.ts), the one place
 * that announces incidents to operators (socket.io) and tells people outside the console
 * (notification channels).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { IncidentDto } from '@eldercare/protocols'
import type { Queryable } from '../db/db.ts'
import { IncidentEffects } from '../features/incidents/effects.ts'
import { publicDto, type IncidentRow } from '../features/incidents/service.ts'
import { DispatchService, LinkSigner, type OfferEvent } from '../features/response/dispatch.ts'
import { typeLabel } from '../features/response/labels.ts'
import { LogChannel, Notifier, WebhookChannel, type NotificationChannel, type NotificationKind, type WebhookChannelOptions } from '../features/response/notify.ts'
import { SlaScheduler, type SlaEffect } from '../features/response/sla-scheduler.ts'
import { NotificationOutbox, type OutboxOptions } from '../features/response/outbox.ts'

export interface ResponseOptions {
  /** how often the SLA scheduler looks for due deadlines, in ms. Default 1000. */
  tickIntervalMs?: number
  /** deliver notifications by signed HTTP POST as well as to the log */
  webhook?: WebhookChannelOptions
  /** extra channels (e.g. a provider's own) */
  channels?: NotificationChannel[]
  /** lifetime of a responder's signed link, in ms. Default 12 h. */
  linkTtlMs?: number
  /** base URL put in front of responder links in notifications, e.g. `https://centre.example` */
  publicUrl?: string
  /** the notification outbox's lease and polling (./features/response/outbox.ts) */
  outbox?: OutboxOptions
  /** run the scheduler on a timer (default true; tests that drive `tick()` themselves may turn it off) */
  autoTick?: boolean
}

export interface ResponseEngine {
  dispatch: DispatchService
  notifier: Notifier
  /** durable delivery (migration 0017); other features add their channels to it (integration webhooks) */
  outbox: NotificationOutbox
  sla: SlaScheduler
  /** the one owner of incident side effects (announcements, alarm.ack, offers withdrawn, family) */
  effects: IncidentEffects
  /** Emits the incident to its area and above; returns it (= effects.announce). */
  announce(incidentId: string, event?: 'incident:opened' | 'incident:updated', reAlert?: IncidentDto['reAlert']): Promise<IncidentRow>
  /** Family contacts with `notify: true` hear of an opening and of the resolution (= effects.notifyFamily). */
  notifyFamily(incidentId: string, kind: Extract<NotificationKind, 'incident_opened' | 'incident_resolved'>, q?: Queryable): Promise<void>
  /** Sends the responder their offer with its signed link. */
  notifyOffer(offer: OfferEvent | null | undefined): void
}

declare module 'fastify' {
  interface FastifyInstance {
    response: ResponseEngine
  }
}

export const responsePlugin = fp<{ options: ResponseOptions, now: () => number, logger: Logger }>(async (app: FastifyInstance, { options, now, logger }) => {
  const log = logger.child({ part: 'response' })
  const links = new LinkSigner(app.fieldCrypto.deriveKey('responder-links'), now)
  const dispatch = new DispatchService(app.db, app.incidents, app.incidents.policies, links, now, { linkTtlMs: options.linkTtlMs, publicUrl: options.publicUrl })
  const channels: NotificationChannel[] = [new LogChannel(log), ...(options.webhook ? [new WebhookChannel(options.webhook)] : []), ...(options.channels ?? [])]
  const recordResult = async (incidentId: string, kind: 'notified' | 'notification_failed', data: Record<string, unknown>): Promise<void> => {
    await app.incidents.addTimeline(app.db, incidentId, kind, null, null, data)
    if (kind === 'notification_failed') await effects.announce(incidentId)
  }
  // durable channels deliver through the outbox, so a node killed mid-retry loses nothing (#14)
  const outbox = new NotificationOutbox(app.db, new Map(channels.map((c) => [c.name, c])), recordResult, log, {
    // a claim outlives one attempt (its timeout) by 5 s; a node killed mid-attempt leaves the row that long
    attempts: options.webhook?.attempts, backoffMs: options.webhook?.backoffMs, leaseMs: (options.webhook?.timeoutMs ?? 10_000) + 5000, ...options.outbox
  })
  const notifier = new Notifier(channels, recordResult, log, outbox)
  const effects = new IncidentEffects({ db: app.db, incidents: app.incidents, commands: app.commands, realtime: app.realtime, notifier, log: logger.child({ part: 'engine' }) })

  const notifyOffer = (o: OfferEvent | null | undefined): void => {
    if (!o) return
    notifier.notify({
      kind: 'dispatch_offer', incidentId: o.incidentId, to: { name: o.responder.name, phone: o.responder.phone, role: 'responder' },
      text: `请出勤：${o.responder.name}，有老人需要帮助。请打开链接接受并查看地址。`, link: o.offer.link, data: { offerId: o.offer.id, dueAt: o.offer.dueAt }
    })
  }

  const onEffect = (e: SlaEffect): void => {
    void (async () => {
      const inc = await effects.announce(e.incidentId, 'incident:updated', e.kind === 'escalated' && e.action === 'realert_area' ? 'escalation' : undefined)
      if (e.kind === 'escalated' && e.action && e.step) {
        const payload = { incident: publicDto(inc), action: e.action, step: e.step, areaId: inc.areaId }
        if (e.action === 'widen_parent') {
          const { rows } = await app.db.query<{ parent_id: string | null }>('select parent_id from areas where id = $1', [inc.areaId])
          const parent = rows[0]?.parent_id
          if (parent) app.realtime.emitToArea(parent, 'incident:escalated', { ...payload, areaId: parent })
        } else {
          app.realtime.emitToPath(inc.areaPath, 'incident:escalated', payload)
        }
        if (e.action === 'alert_supervisor') {
          const { rows } = await app.db.query<{ username: string, display_name: string | null }>(
            `select u.username, u.display_name from users u join areas a on a.id = u.area_id
              where u.role = 'supervisor' and not u.disabled and $1 like a.path || '%'`, [inc.areaPath])
          for (const s of rows) {
            notifier.notify({ kind: 'escalation', incidentId: inc.id, to: { name: s.display_name ?? s.username, role: 'supervisor' }, text: `【升级】${inc.priority} ${typeLabel(inc.type)}警报未及时接警：${inc.residentName ?? inc.siteName ?? ''}` })
          }
        }
      }
      notifyOffer(e.offer)
    })().catch((err) => log.error({ err, incidentId: e.incidentId }, 'SLA effect not announced'))
  }

  const sla = new SlaScheduler(app.db, app.incidents, dispatch, now, log, onEffect, { tickIntervalMs: options.tickIntervalMs })
  app.decorate('response', { dispatch, notifier, outbox, sla, effects, announce: effects.announce, notifyFamily: effects.notifyFamily, notifyOffer })
  // openings a dead node committed but never announced (#14)
  let missed: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    if (options.autoTick !== false) sla.start()
    outbox.start()
    missed = setInterval(() => { effects.announceMissed().catch((err) => log.warn({ err }, 'late announcements failed')) }, 1000)
    missed.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(missed)
    await sla.stop()
    await notifier.close()
  })
}, {
  name: 'response',
  dependencies: ['db', 'realtime', 'field-crypto', 'incidents', 'commands'],
  decorators: { fastify: ['db', 'realtime', 'fieldCrypto', 'incidents', 'commands'] }
})
