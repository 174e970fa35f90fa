import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { COMMAND_TYPES } from '@eldercare/protocols'
import { errors } from '../../errors.ts'

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }) })
const CommandBody = Type.Object({
  type: Type.Union(COMMAND_TYPES.map((t) => Type.Literal(t))),
  args: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
}, { additionalProperties: false })

/** [P-3.5] Commands to devices: 202 `sent`, later `acked | failed | timed_out`. */
export const commandRoutes: FastifyPluginAsync = async (app) => {
  const operator = [app.authenticate, app.requireCapability('device.command')]
  const deviceInScope = async (id: string, scopePath: string) => {
    const { rows } = await app.db.query(`select 1 from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where d.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    if (rows.length === 0) throw errors.NOT_FOUND('device')
  }

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof CommandBody> }>('/api/devices/:id/commands', {
    schema: { tags: ['commands'], params: IdParams, body: CommandBody }, preHandler: operator
  }, async (req, reply) => {
    await deviceInScope(req.params.id, req.user.areaPath)
    const cmd = await app.commands.send(req.params.id, req.body.type, req.body.args, { createdBy: req.user.username })
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'device.command', targetType: 'device', targetId: req.params.id, data: { type: req.body.type, commandId: cmd.id } })
    return reply.code(202).send(cmd)
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/commands/:id', { schema: { tags: ['commands'], params: IdParams }, preHandler: operator }, async (req) => {
    const cmd = await app.commands.get(req.params.id)
    if (!cmd) throw errors.NOT_FOUND('command')
    await deviceInScope(cmd.deviceId, req.user.areaPath)
    return cmd
  })
}
