/**
 * Calls' REST side (operator-api.md, "Care calls and welfare rounds"): start a care call,
 * answer an elder's call with video, read a call, list a resident's calls, record a call as a
 * visit, and who answers by themselves. The signalling itself goes over socket.io (index.ts).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { CallDto, CallListDto, CallSettingsDto } from '@eldercare/protocols'
import { errors } from '../../errors.ts'
import { VISIT_OUTCOMES } from '../visits/service.ts'
import type { CallService, Caller } from './service.ts'
import { recordCallAsVisit } from './visit.ts'

const Id = Type.String({ minLength: 1, maxLength: 64 })
const IdParams = Type.Object({ id: Id })
const StartBody = Type.Object({
  deviceId: Type.Optional(Id),
  incidentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the incident the call belongs to: its events go on the timeline' }))
}, { additionalProperties: false })
const VisitBody = Type.Object({
  outcome: Type.Union(VISIT_OUTCOMES.map((o) => Type.Literal(o))),
  notes: Type.Optional(Type.String({ maxLength: 2000 })),
  followUpNeeded: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
const SettingsBody = Type.Object({ autoAnswer: Type.Boolean() }, { additionalProperties: false })
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }, { additionalProperties: false })

/** Who may call and answer; auditors read; responders use their own page. */

export const callerOf = (req: FastifyRequest): Caller => ({ id: req.user.id, username: req.user.username, areaPath: req.user.areaPath })

export interface CallRoutesOptions {
  calls: CallService
  timeZone: string
  now: () => number
}

export const callRoutes: FastifyPluginAsync<CallRoutesOptions> = async (app, { calls, timeZone, now }) => {
  const callers = [app.authenticate, app.requireCapability('call.make')]
  const readers = [app.authenticate, app.requireCapability('call.read')]
  const tags = ['calls']

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof StartBody> }>('/api/residents/:id/calls', {
    schema: { tags, summary: 'A care call ("爱的眼睛") to the resident\'s intercom; answered with the ICE servers for the browser', params: IdParams, body: StartBody },
    preHandler: callers
  }, async (req, reply) => reply.code(201).send(await calls.startCareCall(callerOf(req), req.params.id, req.body ?? {})))

  app.post<{ Params: Static<typeof IdParams> }>('/api/incidents/:id/call', {
    schema: { tags, summary: 'Answer the elder\'s intercom call of this incident with video', params: IdParams },
    preHandler: callers
  }, async (req, reply) => reply.code(201).send(await calls.answerIncidentCall(callerOf(req), req.params.id)))

  app.get<{ Params: Static<typeof IdParams> }>('/api/calls/:id', {
    schema: { tags, summary: 'A call and its events (ringing, answered, ended, duration, who)', params: IdParams, response: { 200: CallDto } }, preHandler: readers
  }, async (req) => calls.get(req.params.id, req.user.areaPath))

  app.get<{ Params: Static<typeof IdParams>, Querystring: Static<typeof ListQuery> }>('/api/residents/:id/calls', {
    schema: { tags, summary: 'The resident\'s calls, newest first', params: IdParams, querystring: ListQuery, response: { 200: CallListDto } }, preHandler: readers
  }, async (req) => {
    if (!await calls.repo.residentInScope(req.params.id, req.user.areaPath)) throw errors.NOT_FOUND('resident')
    return { items: await calls.repo.listForResident(req.params.id, req.query.limit ?? 50) }
  })

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof VisitBody> }>('/api/calls/:id/visit', {
    schema: { tags, summary: 'Record a completed call as a visit of method video_call, in one step', params: IdParams, body: VisitBody },
    preHandler: callers
  }, async (req, reply) => {
    const r = await recordCallAsVisit(app, calls.repo, callerOf(req), req.params.id, req.body, { timeZone, now })
    return reply.code(201).send({ ...r, call: await calls.get(req.params.id, req.user.areaPath) })
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id/call-settings', {
    schema: { tags, summary: 'autoAnswer: whether the intercom answers care calls by itself', params: IdParams, response: { 200: CallSettingsDto } }, preHandler: readers
  }, async (req) => {
    if (!await calls.repo.residentInScope(req.params.id, req.user.areaPath)) throw errors.NOT_FOUND('resident')
    return { autoAnswer: await calls.repo.autoAnswer(req.params.id) }
  })

  app.put<{ Params: Static<typeof IdParams>, Body: Static<typeof SettingsBody> }>('/api/residents/:id/call-settings', {
    schema: { tags, summary: 'autoAnswer: the intercom answers care calls by itself after ringing (residents who cannot press a button)', params: IdParams, body: SettingsBody, response: { 200: CallSettingsDto } },
    preHandler: [app.authenticate, app.requireCapability('call.settings')]
  }, async (req) => {
    if (!await calls.repo.residentInScope(req.params.id, req.user.areaPath)) throw errors.NOT_FOUND('resident')
    await app.db.transaction(async (tx) => {
      await calls.repo.setAutoAnswer(tx, req.params.id, req.body.autoAnswer, req.user.id)
      // seeing into a home without anyone pressing a button is a privacy decision: audited
      await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, areaPath: req.user.areaPath, action: 'call.settings', targetType: 'resident', targetId: req.params.id, data: { autoAnswer: req.body.autoAnswer } }, tx)
    })
    return { autoAnswer: req.body.autoAnswer }
  })
}
