/**
 * Operator accounts: create, change role/area/name, disable, reset password. Every change is
 * audited; a change of role or area, a disable or a password reset revokes all the user's
 * tokens (and drops their open sockets), so the old rights end at once.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { AccountDto, ROLES } from '@eldercare/protocols'
import { generatePassword, hashPassword } from '../auth/passwords.ts'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { areaInScope, auditFor, Id, IdParams, literalUnion, scopeOf, uniqueOr409 } from './scope.ts'
import { insertUser, listUsers, setPasswordHash, updateUser, userInScopeRow } from './users-repository.ts'
import { revokeUserSessions } from '../auth/sessions.ts'

const UserBody = Type.Object({
  username: Type.String({ pattern: '^[A-Za-z0-9._-]{3,64}$' }), password: Type.String({ minLength: 8, maxLength: 256 }),
  role: literalUnion(ROLES), areaId: Id, displayName: Type.Optional(Type.String({ maxLength: 100 }))
}, { additionalProperties: false })
const UserPatch = Type.Object({
  role: Type.Optional(literalUnion(ROLES)), areaId: Type.Optional(Id),
  displayName: Type.Optional(Type.String({ maxLength: 100 })), disabled: Type.Optional(Type.Boolean())
}, { additionalProperties: false, minProperties: 1 })
const ResetBody = Type.Object({ password: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })) }, { additionalProperties: false })

const userDto = (r: Record<string, any>) => ({
  id: r.id, username: r.username, role: r.role, areaId: r.area_id, areaName: r.area_name ?? null,
  displayName: r.display_name ?? null, disabled: r.disabled, createdAt: iso(r.created_at)!
})

export const userRoutes: FastifyPluginAsync = async (app) => {
  const admin = [app.authenticate, app.requireCapability('registry.write')]
  const audit = auditFor(app)
  const userInScope = async (q: Queryable, id: string, scope: string) => {
    const row = await userInScopeRow(q, id, scope)
    if (!row) throw errors.NOT_FOUND('user')
    return row
  }
  const disconnect = (hashes: string[]) => { for (const h of hashes) app.realtime.revokeToken(h) }

  app.get('/api/users', {
    schema: { tags: ['accounts'], summary: 'Accounts in your scope', response: { 200: Type.Object({ items: Type.Array(AccountDto) }) } },
    preHandler: [app.authenticate, app.requireCapability('user.read')]
  }, async (req) => {
    return { items: (await listUsers(app.db, scopeOf(req))).map(userDto) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/users/:id', {
    schema: { tags: ['accounts'], params: IdParams, response: { 200: AccountDto } }, preHandler: [app.authenticate, app.requireCapability('user.read')]
  }, async (req) => userDto(await userInScope(app.db, req.params.id, scopeOf(req))))

  app.post<{ Body: Static<typeof UserBody> }>('/api/users', {
    schema: { tags: ['accounts'], body: UserBody, response: { 201: AccountDto } }, preHandler: admin
  }, async (req, reply) => {
    const b = req.body
    await areaInScope(app.db, b.areaId, scopeOf(req))
    const id = randomUUID()
    const hash = await hashPassword(b.password)
    await uniqueOr409(() => app.db.transaction(async (tx) => {
      await insertUser(tx, { id, username: b.username, passwordHash: hash, role: b.role, areaId: b.areaId, displayName: b.displayName })
      await audit(req, 'user.create', 'user', id, { username: b.username, role: b.role, areaId: b.areaId }, tx)
    }), () => errors.USERNAME_TAKEN('username', b.username))
    return reply.code(201).send(userDto(await userInScope(app.db, id, '/')))
  })

  app.patch<{ Params: Static<typeof IdParams>, Body: Static<typeof UserPatch> }>('/api/users/:id', {
    schema: { tags: ['accounts'], summary: 'Change role, area, name or disable; role/area/disable changes sign the user out', params: IdParams, body: UserPatch, response: { 200: AccountDto } },
    preHandler: admin
  }, async (req) => {
    const scope = scopeOf(req)
    const b = req.body
    if (req.params.id === req.user.id && (b.role !== undefined || b.areaId !== undefined || b.disabled)) {
      throw errors.SELF_CHANGE()
    }
    const revoked = await app.db.transaction(async (tx) => {
      const before = await userInScope(tx, req.params.id, scope)
      if (b.areaId) await areaInScope(tx, b.areaId, scope)
      await updateUser(tx, before.id, b)
      const rightsChanged = (b.role !== undefined && b.role !== before.role) || (b.areaId !== undefined && b.areaId !== before.area_id) || b.disabled === true
      const hashes = rightsChanged ? await revokeUserSessions(tx, before.id) : []
      await audit(req, 'user.update', 'user', before.id, {
        from: { role: before.role, areaId: before.area_id, disabled: before.disabled },
        to: { role: b.role ?? before.role, areaId: b.areaId ?? before.area_id, disabled: b.disabled ?? before.disabled },
        ...(b.displayName !== undefined ? { displayName: b.displayName } : {}), tokensRevoked: hashes.length
      }, tx)
      return hashes
    })
    disconnect(revoked)
    return userDto(await userInScope(app.db, req.params.id, scope))
  })

  app.post<{ Params: Static<typeof IdParams>, Body: Static<typeof ResetBody> }>('/api/users/:id/reset-password', {
    schema: { tags: ['accounts'], summary: 'Set a new password (generated and shown once when none is given); signs the user out', params: IdParams, body: Type.Optional(ResetBody) },
    preHandler: admin
  }, async (req) => {
    const password = req.body?.password ?? generatePassword()
    const hash = await hashPassword(password)
    const revoked = await app.db.transaction(async (tx) => {
      const u = await userInScope(tx, req.params.id, scopeOf(req))
      await setPasswordHash(tx, u.id, hash)
      const hashes = await revokeUserSessions(tx, u.id)
      await audit(req, 'user.reset_password', 'user', u.id, { generated: req.body?.password === undefined, tokensRevoked: hashes.length }, tx)
      return hashes
    })
    disconnect(revoked)
    return { id: req.params.id, password: req.body?.password === undefined ? password : null }
  })
}
