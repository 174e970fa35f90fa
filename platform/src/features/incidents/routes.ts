import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { IncidentDetailDto, IncidentDto, OUTCOMES, type IncidentAction } from '@eldercare/protocols'
import { publicDto } from './service.ts'

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
// Answers are protocols' DTOs (operator-api.md): the OpenAPI document at /docs shows them, and
// Fastify serialises by them — a field the DTO does not list is not sent (IncidentRow's areaPath
// never is), so a new field goes into protocols/src/dto.ts first.
const IncidentList = Type.Object({ items: Type.Array(IncidentDto) })
const answers = (schema: object) => ({ 200: schema })

export const incidentRoutes: FastifyPluginAsync = async (app) => {
  const operator = [app.authenticate, app.requireCapability('incident.act')]
  const reader = [app.authenticate, app.requireCapability('incident.read')]
  const actor = (req: FastifyRequest) => ({ id: req.user.id, name: req.user.username })

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/incidents', { schema: { tags: ['incidents'], querystring: ListQuery, response: answers(IncidentList) }, preHandler: reader }, async (req) => {
    const items = await app.incidents.list(req.user.areaPath, req.query.status ?? 'all', req.query.areaId, req.query.limit, req.query.residentId)
    return { items: items.map((i) => publicDto(i)) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/incidents/:id', { schema: { tags: ['incidents'], params: IdParams, response: answers(IncidentDetailDto) }, preHandler: reader }, async (req) => {
    return app.incidents.detail(req.params.id, req.user.areaPath)
  })

  const action = (path: string, name: IncidentAction, body: object) => {
    app.post<{ Params: Static<typeof IdParams>, Body: Record<string, any> }>(`/api/incidents/:id/${path}`, {
      schema: { tags: ['incidents'], params: IdParams, body, response: answers(IncidentDto) }, preHandler: operator
    }, async (req) => {
      // The effects of the action (alarm.ack to the device, offers withdrawn, announcement, family) are the effects owner's.
      const inc = await app.response.effects.act(req.params.id, name, actor(req), req.user.areaPath, req.body ?? {})
      await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: `incident.${name}`, targetType: 'incident', targetId: inc.id, data: { status: inc.status } })
      return publicDto(inc)
    })
  }
  action('acknowledge', 'acknowledge', NoteBody)
  action('resolve', 'resolve', ResolveBody)
  action('close', 'close_false_alarm', CloseBody)

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof TextBody> }>('/api/incidents/:id/note', {
    schema: { tags: ['incidents'], params: IdParams, body: TextBody, response: answers(IncidentDto) }, preHandler: operator
  }, async (req) => {
    return publicDto(await app.response.effects.note(req.params.id, actor(req), req.user.areaPath, req.body.text))
  })
}
