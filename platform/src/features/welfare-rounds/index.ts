/**
 * The welfare-rounds feature (issue 17): check on everyone in an area at once. REST here; the
 * message goes out as `speak` commands in batches, the deadline is swept on a timer.
 */
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Type, type Static } from '@sinclair/typebox'
import { DailyCheckinPlanDto, DailyCheckinPlanInput } from '@eldercare/protocols'
import { WelfareRounds, type WelfareOptions } from './service.ts'
import { DailyCheckins } from './daily-checkin.ts'

export type WelfareRoundsOptions = Partial<WelfareOptions> & {
  /** How often ended daily check-in windows and overdue follow-ups are swept, in ms. Default 60000. */
  checkinSweepMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    welfareRounds: WelfareRounds
    dailyCheckins: DailyCheckins
  }
}

const StartBody = Type.Object({
  areaId: Type.String({ minLength: 1, maxLength: 64 }),
  message: Type.String({ minLength: 1, maxLength: 200, description: 'spoken or shown on every device that can, e.g. 今天高温，请多喝水；平安请按“我很好”' }),
  deadline: Type.String({ format: 'date-time', description: 'at least a minute ahead, at most 7 days' }),
  onUnconfirmed: Type.Optional(Type.Union([Type.Literal('incident'), Type.Literal('visit')], { description: 'what the unconfirmed become at the deadline: P3 incidents (default) or visit tasks' }))
}, { additionalProperties: false })
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }, { additionalProperties: false })

const welfareRounds: FastifyPluginAsync<WelfareRoundsOptions> = async (app, opts) => {
  const rounds = new WelfareRounds(app, { timeZone: 'Asia/Shanghai', now: Date.now, ...opts }, app.log.child({ part: 'welfare-rounds' }))
  app.decorate('welfareRounds', rounds)
  const checkins = new DailyCheckins(app, { timeZone: opts.timeZone ?? 'Asia/Shanghai', now: opts.now ?? Date.now }, app.log.child({ part: 'daily-checkin' }))
  app.decorate('dailyCheckins', checkins)
  const tags = ['welfare-rounds']
  const readers = [app.authenticate, app.requireCapability('welfare.read')]

  app.post<{ Body: Static<typeof StartBody> }>('/api/welfare-rounds', {
    schema: { tags, summary: 'Start a welfare round over an area subtree: the message to every device that can speak it, and a deadline', body: StartBody },
    preHandler: [app.authenticate, app.requireCapability('welfare.start')]
  }, async (req, reply) => reply.code(201).send(await rounds.start({ id: req.user.id, username: req.user.username, areaPath: req.user.areaPath }, req.body)))

  app.get<{ Params: Static<typeof IdParams> }>('/api/welfare-rounds/:id', {
    schema: { tags, summary: 'Progress: confirmed and unconfirmed, by kind and by community, and who is still unconfirmed', params: IdParams }, preHandler: readers
  }, async (req) => rounds.get(req.params.id, req.user.areaPath))

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/welfare-rounds', {
    schema: { tags, summary: 'Rounds of the caller\'s area, newest first, with their figures', querystring: ListQuery }, preHandler: readers
  }, async (req) => ({ items: await rounds.list(req.user.areaPath, req.query.limit ?? 50) }))

  app.put<{ Params: Static<typeof IdParams>, Body: Static<typeof DailyCheckinPlanInput> }>('/api/residents/:id/daily-checkin', {
    schema: { tags, summary: 'Daily check-in (报平安): create, change or disable the plan; the resident presses "I\'m OK" each day within the window', params: IdParams, body: DailyCheckinPlanInput, response: { 200: DailyCheckinPlanDto } },
    preHandler: [app.authenticate, app.requireCapability('checkin.plan')]
  }, async (req) => checkins.setPlan({ id: req.user.id, username: req.user.username, areaPath: req.user.areaPath }, req.params.id,
    { windowStart: req.body.windowStart, windowEnd: req.body.windowEnd, escalateAfterMin: req.body.escalateAfterMin ?? 120, enabled: req.body.enabled ?? true }))

  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id/daily-checkin', {
    schema: { tags, summary: 'The plan and the last 14 days (confirmed, follow_up, reached, escalated)', params: IdParams, response: { 200: DailyCheckinPlanDto } }, preHandler: readers
  }, async (req) => checkins.getPlan(req.params.id, req.user.areaPath))

  const checkinSweeper = setInterval(() => { checkins.sweep().catch((err) => app.log.warn({ err }, 'daily check-ins not swept')) }, opts.checkinSweepMs ?? 60_000)
  checkinSweeper.unref()
  app.addHook('onClose', async () => { clearInterval(checkinSweeper) })

  const sweeper = setInterval(() => { rounds.sweepDeadlines().catch((err) => app.log.warn({ err }, 'welfare round deadlines not swept')) }, opts.deadlineSweepMs ?? 10_000)
  sweeper.unref()
  app.addHook('onClose', async () => { clearInterval(sweeper); rounds.stop() })
}

/** Not encapsulated, so `app.welfareRounds` is there for the rest of the app (and tests). */
export const welfareRoundsFeature = fp(welfareRounds, { name: 'welfare-rounds' })
