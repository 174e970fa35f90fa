/**
 * MQTT observer accounts (issue 8): read-only MQTT logins for an area, used by recorders
 * (`device-sim record`). Administrators create them; the secret is shown once and stored
 * hashed like a device secret. The gateway enforces what an observer may do
 * (gateway/src/observers.ts): subscribe to the device topics of its area, never publish.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { OBSERVER_PREFIX, generateDeviceSecret, hashDeviceSecret } from '@eldercare/gateway'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'

const ObserverBody = Type.Object({
  username: Type.String({ pattern: '^[A-Za-z0-9._-]{3,55}$', description: 'the MQTT username is "observer:" + this' }),
  areaId: Type.String({ minLength: 1, maxLength: 64 })
}, { additionalProperties: false })
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

export const observerRoutes: FastifyPluginAsync = async (app) => {
  const admin = [app.authenticate, app.requireCapability('registry.write')]
  const dto = (r: Record<string, any>) => ({
    id: r.id, username: r.username, mqttUsername: `${OBSERVER_PREFIX}${r.username}`, areaId: r.area_id,
    createdAt: iso(r.created_at), disabled: r.disabled
  })

  app.post<{ Body: Static<typeof ObserverBody> }>('/api/observers', { schema: { tags: ['observers'], body: ObserverBody }, preHandler: admin }, async (req, reply) => {
    const { username, areaId } = req.body
    const area = await app.db.query('select 1 from areas where id = $1 and path like $2 || \'%\'', [areaId, req.user.areaPath])
    if (area.rows.length === 0) throw errors.NOT_FOUND('area')
    const id = randomUUID()
    const secret = generateDeviceSecret()
    try {
      await app.db.query('insert into mqtt_observers (id, username, secret_hash, area_id) values ($1, $2, $3, $4)', [id, username, hashDeviceSecret(secret), areaId])
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw errors.USERNAME_TAKEN('observer username', username)
      throw err
    }
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'observer.create', targetType: 'observer', targetId: id, data: { username, areaId } })
    const { rows } = await app.db.query<Record<string, any>>('select * from mqtt_observers where id = $1', [id])
    // the secret is shown once, here; only its hash is stored
    return reply.code(201).send({ ...dto(rows[0]), secret })
  })

  app.get('/api/observers', { schema: { tags: ['observers'] }, preHandler: admin }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select o.* from mqtt_observers o join areas a on a.id = o.area_id where a.path like $1 || '%' order by o.username`, [req.user.areaPath])
    return { items: rows.map(dto) }
  })

  app.post<{ Params: Static<typeof IdParams> }>('/api/observers/:id/disable', { schema: { tags: ['observers'], params: IdParams }, preHandler: admin }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `update mqtt_observers o set disabled = true from areas a
        where o.id = $1 and a.id = o.area_id and a.path like $2 || '%' returning o.*`, [req.params.id, req.user.areaPath])
    if (!rows[0]) throw errors.NOT_FOUND('observer')
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'observer.disable', targetType: 'observer', targetId: req.params.id })
    return dto(rows[0])
  })
}
