/**
 * Response engine REST: dispatch and arrival on incidents, the responder cascade, intercom
 * actions, responders (CRUD) and the response policy (supervisors).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { CommandType } from '@eldercare/protocols'
import { errors } from '../../errors.ts'
import { RESPONDER_KINDS, type OfferEvent } from './dispatch.ts'
import { createResponder, getResponder, intercomFor, listResponders, offersOf, updateResponder, withdrawOffer } from './repository.ts'
import { publicDto } from '../incidents/service.ts'
import { DEFAULT_RESPONSE_POLICY, ResponsePolicySchema, type ResponsePolicy } from './policy.ts'
import { maskPhone } from '../registry/routes.ts'
import { areaInScope, scopeOf } from '../registry/scope.ts'

const Id = Type.String({ minLength: 1, maxLength: 64 })
const IdParams = Type.Object({ id: Id })
const Phone = Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' })
const DispatchBody = Type.Object({
  responderId: Type.Optional(Id),
  note: Type.Optional(Type.String({ maxLength: 2000 }))
}, { additionalProperties: false, description: 'without responderId the best candidate is offered' })
const PolicyQuery = Type.Object({ areaId: Type.Optional(Id) }, { additionalProperties: false })
const NoteOnly = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })
const IntercomParams = Type.Object({ id: Id, action: Type.Union([Type.Literal('answer'), Type.Literal('hangup'), Type.Literal('unlock')]) })
const ResponderBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.Union(RESPONDER_KINDS.map((k) => Type.Literal(k))),
  areaId: Id,
  phone: Phone,
  onDuty: Type.Optional(Type.Boolean()),
  geo: Type.Optional(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false }))
}, { additionalProperties: false })
const ResponderPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  phone: Type.Optional(Phone),
  onDuty: Type.Optional(Type.Boolean()),
  disabled: Type.Optional(Type.Boolean()),
  geo: Type.Optional(Type.Union([Type.Null(), Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false })]))
}, { additionalProperties: false, minProperties: 1 })

/** The signed link is the responder's credential: it goes to their channel only, never to the operator (issue 13). */
function withoutLink (offer: OfferEvent['offer']): Omit<OfferEvent['offer'], 'link'> {
  const { link: _link, ...rest } = offer
  return rest
}

export const responseRoutes: FastifyPluginAsync = async (app) => {
  const operator = [app.authenticate, app.requireCapability('incident.act')]
  const reader = [app.authenticate, app.requireCapability('incident.read')]
  const responderReader = [app.authenticate, app.requireCapability('responder.read')]
  const policyReader = [app.authenticate, app.requireCapability('policy.read')]
  const policyWriter = [app.authenticate, app.requireCapability('policy.write')]
  const registrar = [app.authenticate, app.requireCapability('registry.write')]
  const actor = (req: FastifyRequest) => ({ id: req.user.id, name: req.user.username })
  const audit = (req: FastifyRequest, action: string, targetType: string, targetId: string, data?: Record<string, unknown>) =>
    app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action, targetType, targetId, data })
  const tags = ['response']

  // ---- incidents: dispatch, arrival, cascade ------------------------------------------------

  app.get<{ Params: Static<typeof IdParams> }>('/api/incidents/:id/candidates', {
    schema: { tags, summary: 'Responders to propose: on duty, not busy, nearest in the area tree, then by distance', params: IdParams }, preHandler: reader
  }, async (req) => {
    await app.incidents.get(req.params.id, req.user.areaPath)
    const items = await app.response.dispatch.candidates(req.params.id)
    return { items: items.map((c) => ({ ...c, phone: maskPhone(c.phone) })) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/incidents/:id/offers', {
    schema: { tags, summary: 'The dispatch cascade of an incident: every offer and its answer', params: IdParams }, preHandler: reader
  }, async (req) => {
    await app.incidents.get(req.params.id, req.user.areaPath)
    return { items: await offersOf(app.db, req.params.id) }
  })

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof DispatchBody> }>('/api/incidents/:id/dispatch', {
    schema: { tags, summary: 'Send a responder (or the best candidate); starts the on-scene clock and the offer cascade', params: IdParams, body: DispatchBody }, preHandler: operator
  }, async (req) => {
    let offer: OfferEvent | null = null
    const inc = await app.response.effects.act(req.params.id, 'dispatch', actor(req), req.user.areaPath, { note: req.body.note }, async (tx, i) => {
      offer = await app.response.dispatch.offer(tx, i.id, req.body.responderId ?? null, actor(req), req.user.areaPath)
      if (!offer) throw errors.NO_RESPONDER()
    })
    await audit(req, 'incident.dispatch', 'incident', req.params.id, { responderId: offer!.responder.id })
    app.response.notifyOffer(offer)
    return { ...publicDto(inc), offer: withoutLink(offer!.offer) }
  })

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof NoteOnly> }>('/api/incidents/:id/decline', {
    schema: { tags, summary: 'Record that the responder offered declined (e.g. by phone); the next candidate is offered', params: IdParams, body: NoteOnly }, preHandler: operator
  }, async (req) => {
    await app.incidents.get(req.params.id, req.user.areaPath)
    const pending = await app.response.dispatch.activeOffer(app.db, req.params.id, ['offered', 'accepted'])
    if (!pending) throw errors.NO_OFFER()
    if (pending.status === 'accepted') {
      await withdrawOffer(app.db, pending.id)
    }
    const { next } = pending.status === 'offered'
      ? await app.response.dispatch.respond(pending.id, 'decline', actor(req))
      : { next: await app.db.transaction((tx) => app.response.dispatch.offer(tx, req.params.id, null, actor(req))) }
    await audit(req, 'incident.decline', 'incident', req.params.id, { offerId: pending.id })
    app.response.notifyOffer(next)
    const inc = await app.response.announce(req.params.id)
    return { ...publicDto(inc), offer: next ? withoutLink(next.offer) : null }
  })

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof NoteOnly> }>('/api/incidents/:id/arrive', {
    schema: { tags, summary: 'The responder is on scene (also from the responder page); stops the on-scene clock', params: IdParams, body: NoteOnly }, preHandler: operator
  }, async (req) => {
    const inc = await app.response.effects.act(req.params.id, 'arrive', actor(req), req.user.areaPath, { note: req.body.note }, async (tx, i) => {
      const o = await app.response.dispatch.activeOffer(tx, i.id, ['accepted', 'offered'])
      if (o) await app.response.dispatch.markOffer(tx, o.id, 'arrived')
    })
    await audit(req, 'incident.arrive', 'incident', inc.id)
    return publicDto(inc)
  })

  // ---- intercom ------------------------------------------------------------------------------

  app.post<{ Params: Static<typeof IntercomParams> }>('/api/incidents/:id/intercom/:action', {
    schema: { tags, summary: 'Answer, hang up, or unlock the door through the site\'s intercom ([P-3.5] intercom.*)', params: IntercomParams }, preHandler: operator
  }, async (req) => {
    const inc = await app.incidents.get(req.params.id, req.user.areaPath)
    const intercom = await intercomFor(app.db, inc)
    const call = intercom.callId ? { callId: intercom.callId } : undefined
    const type = `intercom.${req.params.action}` as CommandType
    const cmd = await app.db.transaction(async (tx) => {
      const c = await app.commands.send(intercom.deviceId, type, call, { incidentId: inc.id, createdBy: req.user.username }, tx)
      await app.incidents.addTimeline(tx, inc.id, `intercom_${req.params.action}`, actor(req), null, { commandId: c.id, deviceId: intercom.deviceId, ...call })
      await app.incidents.touch(tx, inc.id)
      return c
    })
    await audit(req, `incident.intercom_${req.params.action}`, 'incident', inc.id, { commandId: cmd.id })
    await app.response.announce(inc.id)
    return { command: { id: cmd.id, status: cmd.status, type } }
  })

  // ---- responders ------------------------------------------------------------------------------

  app.post<{ Body: Static<typeof ResponderBody> }>('/api/responders', {
    schema: { tags, summary: 'Register a responder (care worker, volunteer, family member, medical team)', body: ResponderBody }, preHandler: registrar
  }, async (req, reply) => {
    const id = await createResponder(app.db, req.body, req.user.areaPath)
    await audit(req, 'responder.create', 'responder', id)
    return reply.code(201).send(await getResponder(app.db, id, req.user.areaPath))
  })

  app.get('/api/responders', { schema: { tags, summary: 'Responders within your area' }, preHandler: responderReader }, async (req) => {
    // Operators see masked phones; the full number goes only to the notification channel.
    return { items: (await listResponders(app.db, req.user.areaPath)).map((r) => ({ ...r, phone: req.user.role === 'admin' ? r.phone : maskPhone(r.phone) })) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/responders/:id', { schema: { tags, params: IdParams }, preHandler: responderReader }, async (req) => {
    const r = await getResponder(app.db, req.params.id, req.user.areaPath)
    return { ...r, phone: req.user.role === 'admin' ? r.phone : maskPhone(r.phone) }
  })

  app.patch<{ Params: Static<typeof IdParams>, Body: Static<typeof ResponderPatch> }>('/api/responders/:id', {
    schema: { tags, summary: 'Change a responder; supervisors may only set onDuty', params: IdParams, body: ResponderPatch },
    preHandler: [app.authenticate, app.requireCapability('responder.duty')]
  }, async (req) => {
    await getResponder(app.db, req.params.id, req.user.areaPath)
    const b = req.body
    if (req.user.role !== 'admin' && Object.keys(b).some((k) => k !== 'onDuty')) throw errors.VALIDATION('supervisors may change only onDuty')
    await updateResponder(app.db, req.params.id, b)
    await audit(req, 'responder.update', 'responder', req.params.id, { fields: Object.keys(b) })
    return getResponder(app.db, req.params.id, req.user.areaPath)
  })

  // ---- policy ----------------------------------------------------------------------------------
  // Per area (issue 13): `areaId` names the area (default the caller's own); it must lie in the
  // caller's subtree (404 otherwise, as elsewhere). A supervisor edits only their own subtree; the
  // installation's default is the root area's policy, edited by whoever holds the root (its admin).

  const policyArea = async (req: FastifyRequest<{ Querystring: Static<typeof PolicyQuery> }>) =>
    areaInScope(app.db, req.query.areaId ?? req.user.areaId, scopeOf(req))
  const inForce = async (area: { id: string, path: string }) => {
    const f = await app.incidents.policies.forPath(area.path)
    return { ...f.policy, areaId: area.id, inheritedFrom: f.fromAreaId === area.id ? null : f.fromAreaId, overridden: f.fromAreaId === area.id, defaults: DEFAULT_RESPONSE_POLICY }
  }

  app.get<{ Querystring: Static<typeof PolicyQuery> }>('/api/policies/response', {
    schema: { tags, summary: 'The response policy in force for an area (default yours): priorities, SLA deadlines, escalation steps', querystring: PolicyQuery }, preHandler: policyReader
  }, async (req) => inForce(await policyArea(req)))

  app.put<{ Body: Static<typeof ResponsePolicySchema>, Querystring: Static<typeof PolicyQuery> }>('/api/policies/response', {
    schema: { tags, summary: 'Override the response policy for an area of yours (default your own) and everything below it; applies to alarms and deadlines from now on', body: ResponsePolicySchema, querystring: PolicyQuery }, preHandler: policyWriter
  }, async (req) => {
    for (const [p, steps] of Object.entries(req.body.sla.escalation)) {
      if (steps.some((s, i) => i > 0 && s.afterMs < steps[i - 1].afterMs)) throw errors.VALIDATION(`escalation steps of ${p} must be in order of afterMs`)
    }
    const area = await policyArea(req)
    await app.db.transaction(async (tx) => {
      const before = await app.incidents.policies.forPath(area.path, tx)
      await app.incidents.policies.set(area.id, req.body as ResponsePolicy, req.user.username, tx)
      await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'policy.update', targetType: 'area', targetId: area.id, areaPath: area.path,
        data: { before: before.policy, beforeFrom: before.fromAreaId, after: req.body } }, tx)
    })
    return inForce(area)
  })

  app.delete<{ Querystring: Static<typeof PolicyQuery> }>('/api/policies/response', {
    schema: { tags, summary: 'Drop an area\'s override: it inherits the policy from above again', querystring: PolicyQuery }, preHandler: policyWriter
  }, async (req) => {
    const area = await policyArea(req)
    await app.db.transaction(async (tx) => {
      const before = await app.incidents.policies.forPath(area.path, tx)
      await app.incidents.policies.reset(area.id, tx)
      const after = await app.incidents.policies.forPath(area.path, tx)
      await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'policy.reset', targetType: 'area', targetId: area.id, areaPath: area.path,
        data: { before: before.policy, beforeFrom: before.fromAreaId, after: after.policy, afterFrom: after.fromAreaId } }, tx)
    })
    return inForce(area)
  })
}
