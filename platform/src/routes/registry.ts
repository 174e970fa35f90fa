/**
 * The registry's fixed endpoints (operator-api.md): areas, sites, residents, users,
 * devices. Every list and read is confined to the caller's area subtree; a record
 * outside it answers 404.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { AREA_LEVELS, DEVICE_ID_PATTERN, DEVICE_TYPES, ROLES, SITE_KINDS, type AreaLevel } from '@eldercare/protocols'
import { generateDeviceSecret, hashDeviceSecret } from '@eldercare/gateway'
import { hashPassword } from '../auth/passwords.ts'
import { badRequest, conflict, notFound } from '../errors.ts'
import type { Queryable } from '../db/db.ts'
import { iso } from '../services/commands.ts'

const literalUnion = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)))
const Id = Type.String({ minLength: 1, maxLength: 64 })

const AreaBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), level: literalUnion(AREA_LEVELS), parentId: Type.Optional(Id) }, { additionalProperties: false })
const SiteBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }), kind: literalUnion(SITE_KINDS), areaId: Id,
  address: Type.Optional(Type.String({ maxLength: 300 })),
  geo: Type.Optional(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false }))
}, { additionalProperties: false })
const Contact = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), phone: Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' }), relation: Type.Optional(Type.String({ maxLength: 50 })), notify: Type.Optional(Type.Boolean({ description: 'consent: told of alarms and their resolution (issue 5)' })) }, { additionalProperties: false })
const ResidentBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }), siteId: Id,
  birthDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' })),
  capacityLevel: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 })),
  livesAlone: Type.Optional(Type.Boolean()),
  conditions: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
  contacts: Type.Optional(Type.Array(Contact, { maxItems: 10 }))
}, { additionalProperties: false })
const UserBody = Type.Object({
  username: Type.String({ pattern: '^[A-Za-z0-9._-]{3,64}$' }), password: Type.String({ minLength: 8, maxLength: 256 }),
  role: literalUnion(ROLES), areaId: Id, displayName: Type.Optional(Type.String({ maxLength: 100 }))
}, { additionalProperties: false })
const DeviceBody = Type.Object({
  id: Type.Optional(Type.String({ pattern: DEVICE_ID_PATTERN.source })), type: literalUnion(DEVICE_TYPES), siteId: Id,
  residentId: Type.Optional(Id), parentId: Type.Optional(Id)
}, { additionalProperties: false })
const IdParams = Type.Object({ id: Id })

/** Masks all but the last four digits of a phone number. */
export function maskPhone (phone: string | null): string | null {
  if (!phone) return phone
  const digits = phone.replace(/\D/g, '')
  return digits.length <= 4 ? '****' : `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`
}

const LEVEL_ORDER: AreaLevel[] = ['city', 'district', 'street', 'community']

export const registryRoutes: FastifyPluginAsync = async (app) => {
  const admin = [app.authenticate, app.requireRole('admin')]
  const anyUser = [app.authenticate]
  const scope = (req: FastifyRequest): string => req.user.areaPath
  const audit = (req: FastifyRequest, action: string, targetType: string, targetId: string, data?: Record<string, unknown>, tx?: Queryable) =>
    app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action, targetType, targetId, data }, tx)

  /** The area (inside the caller's scope) or 404. */
  const areaInScope = async (q: Queryable, id: string, scopePath: string) => {
    const { rows } = await q.query<{ id: string, level: AreaLevel, path: string }>(`select id, level, path from areas where id = $1 and path like $2 || '%'`, [id, scopePath])
    if (!rows[0]) throw notFound('area')
    return rows[0]
  }
  const siteInScope = async (q: Queryable, id: string, scopePath: string) => {
    const { rows } = await q.query<{ id: string }>(`select s.id from sites s join areas a on a.id = s.area_id where s.id = $1 and a.path like $2 || '%'`, [id, scopePath])
    if (!rows[0]) throw notFound('site')
  }

  // ── areas ──
  app.post<{ Body: Static<typeof AreaBody> }>('/api/areas', { schema: { tags: ['registry'], body: AreaBody }, preHandler: admin }, async (req, reply) => {
    const { name, level, parentId } = req.body
    const id = randomUUID()
    let path = `/${id}/`
    if (parentId) {
      const parent = await areaInScope(app.db, parentId, scope(req))
      if (LEVEL_ORDER.indexOf(level as AreaLevel) <= LEVEL_ORDER.indexOf(parent.level)) throw badRequest(`a ${level} cannot sit under a ${parent.level}`)
      path = `${parent.path}${id}/`
    } else if (req.user.areaPath.split('/').filter(Boolean).length > 1) {
      throw badRequest('parentId is required: only a top-level administrator creates a root area')
    }
    await app.db.query('insert into areas (id, name, level, parent_id, path) values ($1, $2, $3, $4, $5)', [id, name, level, parentId ?? null, path])
    await audit(req, 'area.create', 'area', id, { name, level, parentId })
    return reply.code(201).send({ id, name, level, parentId: parentId ?? null })
  })
  app.get('/api/areas', { schema: { tags: ['registry'] }, preHandler: anyUser }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(`select id, name, level, parent_id, path from areas where path like $1 || '%' order by path`, [scope(req)])
    return { items: rows.map((r) => ({ id: r.id, name: r.name, level: r.level, parentId: r.parent_id, depth: r.path.split('/').filter(Boolean).length - 1 })) }
  })

  // ── sites ──
  app.post<{ Body: Static<typeof SiteBody> }>('/api/sites', { schema: { tags: ['registry'], body: SiteBody }, preHandler: admin }, async (req, reply) => {
    const b = req.body
    const area = await areaInScope(app.db, b.areaId, scope(req))
    if (area.level !== 'community') throw badRequest('a site belongs to a community-level area')
    const id = randomUUID()
    await app.db.query('insert into sites (id, name, kind, area_id, address, lat, lng) values ($1, $2, $3, $4, $5, $6, $7)',
      [id, b.name, b.kind, b.areaId, b.address ?? null, b.geo?.lat ?? null, b.geo?.lng ?? null])
    await audit(req, 'site.create', 'site', id, { name: b.name, kind: b.kind, areaId: b.areaId })
    return reply.code(201).send({ id, name: b.name, kind: b.kind, areaId: b.areaId, address: b.address ?? null, geo: b.geo ?? null })
  })
  app.get('/api/sites', { schema: { tags: ['registry'] }, preHandler: anyUser }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select s.* from sites s join areas a on a.id = s.area_id where a.path like $1 || '%' order by s.name limit 5000`, [scope(req)])
    return { items: rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, areaId: r.area_id, address: r.address, geo: r.lat == null ? null : { lat: r.lat, lng: r.lng } })) }
  })

  // ── residents ──
  const residentDto = (r: Record<string, any>) => ({
    id: r.id, name: r.name, siteId: r.site_id, siteName: r.site_name ?? null,
    birthDate: r.birth_date ? iso(r.birth_date)!.slice(0, 10) : null,
    phone: maskPhone(r.phone), capacityLevel: r.capacity_level, livesAlone: r.lives_alone,
    conditions: r.conditions,
    contacts: (r.contacts as Array<{ name: string, phone: string, relation?: string }>).map((c) => ({ ...c, phone: maskPhone(c.phone) }))
  })
  app.post<{ Body: Static<typeof ResidentBody> }>('/api/residents', { schema: { tags: ['registry'], body: ResidentBody }, preHandler: admin }, async (req, reply) => {
    const b = req.body
    await siteInScope(app.db, b.siteId, scope(req))
    const id = randomUUID()
    await app.db.query(
      `insert into residents (id, name, site_id, birth_date, phone, capacity_level, lives_alone, conditions, contacts) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [id, b.name, b.siteId, b.birthDate ?? null, b.phone ?? null, b.capacityLevel ?? null, b.livesAlone ?? false, JSON.stringify(b.conditions ?? []), JSON.stringify(b.contacts ?? [])])
    await audit(req, 'resident.create', 'resident', id, { siteId: b.siteId })
    const { rows } = await app.db.query<Record<string, any>>('select * from residents where id = $1', [id])
    return reply.code(201).send(residentDto(rows[0]))
  })
  app.get('/api/residents', { schema: { tags: ['registry'] }, preHandler: anyUser }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select r.*, s.name as site_name from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
        where a.path like $1 || '%' order by r.name limit 5000`, [scope(req)])
    return { items: rows.map(residentDto) }
  })
  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id', { schema: { tags: ['registry'], params: IdParams }, preHandler: anyUser }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select r.*, s.name as site_name from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
        where r.id = $1 and a.path like $2 || '%'`, [req.params.id, scope(req)])
    if (!rows[0]) throw notFound('resident')
    return residentDto(rows[0])
  })

  // ── users ──
  app.post<{ Body: Static<typeof UserBody> }>('/api/users', { schema: { tags: ['registry'], body: UserBody }, preHandler: admin }, async (req, reply) => {
    const b = req.body
    await areaInScope(app.db, b.areaId, scope(req))
    const id = randomUUID()
    const hash = await hashPassword(b.password)
    try {
      await app.db.query('insert into users (id, username, password_hash, role, area_id, display_name) values ($1, $2, $3, $4, $5, $6)',
        [id, b.username, hash, b.role, b.areaId, b.displayName ?? null])
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw conflict('PLT_ERR_USERNAME_TAKEN', `the username ${b.username} is taken`)
      throw err
    }
    await audit(req, 'user.create', 'user', id, { username: b.username, role: b.role, areaId: b.areaId })
    return reply.code(201).send({ id, username: b.username, role: b.role, areaId: b.areaId, displayName: b.displayName ?? null })
  })

  // ── devices ──
  const deviceDto = (r: Record<string, any>) => ({
    id: r.id, type: r.type, siteId: r.site_id, residentId: r.resident_id, parentId: r.parent_id,
    online: r.online, lastSeenAt: iso(r.last_seen_at), battery: r.battery, rssi: r.rssi, fw: r.fw, createdAt: iso(r.created_at)
  })
  app.post<{ Body: Static<typeof DeviceBody> }>('/api/devices', { schema: { tags: ['registry'], body: DeviceBody }, preHandler: admin }, async (req, reply) => {
    const b = req.body
    await siteInScope(app.db, b.siteId, scope(req))
    if (b.residentId) {
      const r = await app.db.query('select 1 from residents where id = $1 and site_id = $2', [b.residentId, b.siteId])
      if (r.rows.length === 0) throw badRequest('residentId must name a resident of the same site')
    }
    if (b.parentId) {
      const r = await app.db.query<{ type: string }>('select type from devices where id = $1 and site_id = $2', [b.parentId, b.siteId])
      if (r.rows[0]?.type !== 'hub') throw badRequest('parentId must name a hub at the same site')
    }
    const id = b.id ?? `d-${randomUUID().replaceAll('-', '').slice(0, 16)}`
    // [P-1.2] the secret is shown once, here; only its hash is stored.
    const secret = generateDeviceSecret()
    try {
      await app.db.query('insert into devices (id, type, site_id, resident_id, parent_id, secret_hash) values ($1, $2, $3, $4, $5, $6)',
        [id, b.type, b.siteId, b.residentId ?? null, b.parentId ?? null, hashDeviceSecret(secret)])
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw conflict('PLT_ERR_DEVICE_EXISTS', `a device with id ${id} is already registered`)
      throw err
    }
    await audit(req, 'device.create', 'device', id, { type: b.type, siteId: b.siteId })
    return reply.code(201).send({ id, secret, type: b.type, siteId: b.siteId, residentId: b.residentId ?? null, parentId: b.parentId ?? null })
  })
  app.get('/api/devices', { schema: { tags: ['registry'] }, preHandler: anyUser }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select d.* from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where a.path like $1 || '%' order by d.id limit 10000`, [scope(req)])
    return { items: rows.map(deviceDto) }
  })
  app.get<{ Params: Static<typeof IdParams> }>('/api/devices/:id', { schema: { tags: ['registry'], params: IdParams }, preHandler: anyUser }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select d.* from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where d.id = $1 and a.path like $2 || '%'`, [req.params.id, scope(req)])
    if (!rows[0]) throw notFound('device')
    return deviceDto(rows[0])
  })
}
