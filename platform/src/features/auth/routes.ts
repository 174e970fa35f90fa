import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { LoginResponse } from '@eldercare/protocols'
import { LoginThrottle, SqlThrottleStore } from './login-throttle.ts'
import { hashPassword, verifyPassword } from './passwords.ts'
import { createSession, findLoginUser, revokeSession } from './sessions.ts'
import { generateToken } from './tokens.ts'
import { errors } from '../../errors.ts'

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 })
}, { additionalProperties: false })

export interface AuthRoutesOptions {
  /** Session lifetime in hours. */
  sessionTtlHours: number
  throttle?: LoginThrottle
}

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, opts) => {
  // Counts in the database: every node behind the balancer sees the same (issue 13).
  const throttle = opts.throttle ?? new LoginThrottle(new SqlThrottleStore(app.db))
  // An unknown username costs one scrypt like a wrong password, so timing does not tell which
  // usernames exist (issue 13).
  const unknownUserHash = hashPassword(generateToken())

  app.post<{ Body: { username: string, password: string } }>('/api/auth/login', {
    schema: { tags: ['auth'], summary: 'Sign in; returns a bearer token', body: LoginBody }
  }, async (req, reply) => {
    const { username, password } = req.body
    const wait = await throttle.retryAfterMs(username, req.ip)
    if (wait > 0) {
      reply.header('retry-after', Math.ceil(wait / 1000))
      throw errors.TOO_MANY_ATTEMPTS(Math.ceil(wait / 1000))
    }
    const u = await findLoginUser(app.db, username)
    const matches = await verifyPassword(password, u?.password_hash ?? await unknownUserHash)
    const ok = u !== undefined && !u.disabled && matches
    if (!ok) {
      await throttle.fail(username, req.ip)
      // A failure for a known user is filed under that user's area, so the area's auditors see it.
      await app.audit.write({ username, ip: req.ip, action: 'auth.login_failed', areaPath: u?.path ?? null })
      throw errors.BAD_CREDENTIALS()
    }
    await throttle.succeed(username, req.ip)
    const token = generateToken()
    const expiresAt = new Date(Date.now() + opts.sessionTtlHours * 3600_000)
    await createSession(app.db, token, u.id, expiresAt)
    await app.audit.write({ userId: u.id, username: u.username, ip: req.ip, action: 'auth.login', areaPath: u.path })
    const body: LoginResponse = {
      token, expiresAt: expiresAt.toISOString(),
      user: { id: u.id, username: u.username, role: u.role, areaId: u.area_id, displayName: u.display_name }
    }
    return body
  })

  app.post('/api/auth/logout', {
    schema: { tags: ['auth'], summary: 'Revoke the current token' },
    preHandler: app.authenticate
  }, async (req, reply) => {
    await revokeSession(app.db, req.user.tokenHash)
    app.realtime.revokeToken(req.user.tokenHash)
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'auth.logout', areaPath: req.user.areaPath })
    return reply.code(204).send()
  })

  app.get('/api/auth/me', { schema: { tags: ['auth'] }, preHandler: app.authenticate }, async (req) => {
    const { id, username, role, areaId } = req.user
    return { id, username, role, areaId }
  })
}
