/**
 * MQTT observer accounts (issue 8): read-only MQTT logins for an area, used by recorders
 * (`device-sim record`). Administrators create them; the secret is shown once and stored
 * hashed like a device secret. The gateway enforces what an observer may do
 * (gateway/src/observers.ts): subscribe to the device topics of its area, never publish.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { generateDeviceSecret, hashDeviceSecret } from '@eldercare/common'
import { createObserver, disableObserver, listObservers } from './repository.ts'

const ObserverBody = Type.Object({
  username: Type.String({ pattern: '^[A-Za-z0-9._-]{3,55}$', description: 'the MQTT username is "observer:" + this' }),
  areaId: Type.String({ minLength: 1, maxLength: 64 })
}, { additionalProperties: false })
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

export interface ObserverRoutesOptions {
  /** Closes the observer's live MQTT sessions on every gateway (the gateway's invalidateObserver). */
  invalidateObserver?: (observerId: string) => void
}

export const observerRoutes: FastifyPluginAsync<ObserverRoutesOptions> = async (app, opts) => {
  const admin = [app.authenticate, app.requireCapability('registry.write')]

  app.post<{ Body: Static<typeof ObserverBody> }>('/api/observers', { schema: { tags: ['observers'], body: ObserverBody }, preHandler: admin }, async (req, reply) => {
    const { username, areaId } = req.body
    const secret = generateDeviceSecret()
    const observer = await createObserver(app.db, username, areaId, hashDeviceSecret(secret), req.user.areaPath)
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'observer.create', targetType: 'observer', targetId: observer.id, data: { username, areaId } })
    // the secret is shown once, here; only its hash is stored
    return reply.code(201).send({ ...observer, secret })
  })

  app.get('/api/observers', { schema: { tags: ['observers'] }, preHandler: admin }, async (req) => {
    return { items: await listObservers(app.db, req.user.areaPath) }
  })

  app.post<{ Params: Static<typeof IdParams> }>('/api/observers/:id/disable', { schema: { tags: ['observers'], params: IdParams }, preHandler: admin }, async (req) => {
    const observer = await disableObserver(app.db, req.params.id, req.user.areaPath)
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'observer.disable', targetType: 'observer', targetId: req.params.id })
    // A disabled account stops at once, not at its next reconnect (issue 13).
    try { opts.invalidateObserver?.(req.params.id) } catch (err) { req.log.warn({ err, observerId: req.params.id }, 'observer session not closed') }
    return observer
  })
}
