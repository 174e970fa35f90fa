import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { OUTCOMES, type IncidentAction } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { publicDto, type IncidentRow } from './service.ts'

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const ListQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('active'), Type.Literal('closed'), Type.Literal('all')])),
  areaId: Type.Optional(Type.String({ maxLength: 64 })),
  residentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 }))
}, { additionalProperties: false })
const NoteBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })
const ResolveBody = Type.Object({ outcome: Type.Union(OUTCOMES.map((o) => Type.Literal(o))), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })
const CloseBody = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 2000 }),
  outcome: Type.Optional(Type.Union([Type.Literal('false_alarm_device'), Type.Literal('false_alarm_user')]))
}, { additionalProperties: false })
const TextBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false })

export const incidentRoutes: FastifyPluginAsync = async (app) => {
  const operator = [app.authenticate, app.requireRole('operator', 'supervisor', 'admin')]
  const reader = [app.authenticate, app.requireRole('operator', 'supervisor', 'admin', 'auditor')]
  const actor = (req: FastifyRequest) => ({ id: req.user.id, name: req.user.username })

  const announce = (inc: IncidentRow) => app.realtime.emitIncident('incident:updated', publicDto(inc), inc.areaPath)

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/incidents', { schema: { tags: ['incidents'], querystring: ListQuery }, preHandler: reader }, async (req) => {
    const items = await app.incidents.list(req.user.areaPath, req.query.status ?? 'all', req.query.areaId, req.query.limit, req.query.residentId)
    return { items: items.map((i) => publicDto(i)) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/incidents/:id', { schema: { tags: ['incidents'], params: IdParams }, preHandler: reader }, async (req) => {
    return app.incidents.detail(req.params.id, req.user.areaPath)
  })

  /** Acknowledging tells the device the centre has the alarm ([P-3.5] `alarm.ack`). */
  const sendAlarmAck = async (tx: Queryable, inc: IncidentRow, by: string) => {
    if (!inc.deviceId) return
    const cmd = await app.commands.send(inc.deviceId, 'alarm.ack', { incident: inc.id }, { incidentId: inc.id, createdBy: by }, tx)
    await app.incidents.addTimeline(tx, inc.id, 'command_sent', null, null, { commandId: cmd.id, type: 'alarm.ack', deviceId: inc.deviceId })
  }

  const action = (path: string, name: IncidentAction, body: object) => {
    app.post<{ Params: Static<typeof IdParams>, Body: Record<string, any> }>(`/api/incidents/:id/${path}`, {
      schema: { tags: ['incidents'], params: IdParams, body }, preHandler: operator
    }, async (req) => {
      const closing = name === 'resolve' || name === 'close_false_alarm'
      const inc = await app.incidents.transition(req.params.id, name, actor(req), req.user.areaPath, req.body ?? {},
        name === 'acknowledge'
          ? (tx, i) => sendAlarmAck(tx, i, req.user.username)
          // A closed incident needs nobody any more: pending offers are withdrawn, so no cascade runs on.
          : closing ? async (tx, i) => { await tx.query("update dispatch_offers set status = 'withdrawn', responded_at = $2 where incident_id = $1 and status = 'offered'", [i.id, new Date(i.updatedAt)]) } : undefined)
      await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: `incident.${name}`, targetType: 'incident', targetId: inc.id, data: { status: inc.status } })
      announce(inc)
      if (closing) await app.response.notifyFamily(inc.id, 'incident_resolved')
      return publicDto(inc)
    })
  }
  action('acknowledge', 'acknowledge', NoteBody)
  action('resolve', 'resolve', ResolveBody)
  action('close', 'close_false_alarm', CloseBody)

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof TextBody> }>('/api/incidents/:id/note', {
    schema: { tags: ['incidents'], params: IdParams, body: TextBody }, preHandler: operator
  }, async (req) => {
    const inc = await app.incidents.note(req.params.id, actor(req), req.user.areaPath, req.body.text)
    announce(inc)
    return publicDto(inc)
  })
}
