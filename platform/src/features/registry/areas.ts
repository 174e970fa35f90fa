/**
 * Areas: the five-level network's tree (city → district → street → community). A rename or a
 * move leaves a row in area_history; a move rewrites the materialised path of the whole
 * subtree in one transaction, so scoping stays one prefix match.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { AREA_LEVELS, type AreaLevel } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { areaInScope, auditFor, devicesUnder, type InvalidateOptions, IdParams, Id, LEVEL_ORDER, literalUnion, scopeOf, type AreaRow } from './scope.ts'

export const AreaBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }), level: literalUnion(AREA_LEVELS), parentId: Type.Optional(Id)
}, { additionalProperties: false })
const AreaPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  parentId: Type.Optional(Id)
}, { additionalProperties: false, minProperties: 1 })
const AreaDto = Type.Object({ id: Type.String(), name: Type.String(), level: Type.String(), parentId: Type.Union([Type.String(), Type.Null()]), depth: Type.Integer() })

/** Why `level` may not sit under `parentLevel`, or null when it may. */
export function levelProblem (level: AreaLevel, parentLevel: AreaLevel | null): string | null {
  if (parentLevel === null) return level === 'city' ? null : `a ${level} needs a parent area`
  return LEVEL_ORDER.indexOf(level) > LEVEL_ORDER.indexOf(parentLevel) ? null : `a ${level} cannot sit under a ${parentLevel}`
}

export async function insertArea (tx: Queryable, a: { id: string, name: string, level: AreaLevel, parentId: string | null, path: string }, changedBy: string): Promise<void> {
  await tx.query('insert into areas (id, name, level, parent_id, path) values ($1, $2, $3, $4, $5)', [a.id, a.name, a.level, a.parentId, a.path])
  await tx.query(`insert into area_history (area_id, change, name, parent_id, path, changed_by) values ($1, 'create', $2, $3, $4, $5)`, [a.id, a.name, a.parentId, a.path, changedBy])
}

const areaDto = (r: AreaRow) => ({ id: r.id, name: r.name, level: r.level, parentId: r.parent_id, depth: r.path.split('/').filter(Boolean).length - 1 })

export const areaRoutes: FastifyPluginAsync<InvalidateOptions> = async (app, opts) => {
  const staff = [app.authenticate, app.requireCapability('registry.read')]
  const admin = [app.authenticate, app.requireCapability('registry.write')]
  const audit = auditFor(app)

  app.post<{ Body: Static<typeof AreaBody> }>('/api/areas', {
    schema: { tags: ['registry'], summary: 'Create an area under one in your scope', body: AreaBody, response: { 201: AreaDto } }, preHandler: admin
  }, async (req, reply) => {
    const { name, parentId } = req.body
    const level = req.body.level as AreaLevel
    const id = randomUUID()
    let path = `/${id}/`
    if (parentId) {
      const parent = await areaInScope(app.db, parentId, scopeOf(req))
      const problem = levelProblem(level, parent.level)
      if (problem) throw errors.VALIDATION(problem)
      path = `${parent.path}${id}/`
    } else {
      // One root per installation (docs/platform.md, "Access model"): the first administrator's
      // city is created at the first start; every other area hangs below it. A second root would
      // lie outside every account's path, so nobody could work in it (issue 13).
      const root = await app.db.query<{ name: string }>('select name from areas where parent_id is null order by created_at limit 1')
      if (root.rows[0]) throw errors.VALIDATION(`parentId is required: the installation has one root area (${root.rows[0].name}); create districts under it`)
      if (level !== 'city') throw errors.VALIDATION('a root area is a city')
    }
    await app.db.transaction(async (tx) => {
      await insertArea(tx, { id, name, level, parentId: parentId ?? null, path }, req.user.username)
      await audit(req, 'area.create', 'area', id, { name, level, parentId }, tx)
    })
    return reply.code(201).send(areaDto({ id, name, level, parent_id: parentId ?? null, path }))
  })

  app.get('/api/areas', {
    schema: { tags: ['registry'], summary: 'Areas in your scope, in tree order', response: { 200: Type.Object({ items: Type.Array(AreaDto) }) } }, preHandler: staff
  }, async (req) => {
    const { rows } = await app.db.query<AreaRow>(`select id, name, level, parent_id, path from areas where path like $1 || '%' order by path`, [scopeOf(req)])
    return { items: rows.map(areaDto) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/areas/:id', {
    schema: { tags: ['registry'], params: IdParams, response: { 200: AreaDto } }, preHandler: staff
  }, async (req) => areaDto(await areaInScope(app.db, req.params.id, scopeOf(req))))

  app.get<{ Params: Static<typeof IdParams> }>('/api/areas/:id/history', {
    schema: { tags: ['registry'], summary: 'Every name and position the area has had', params: IdParams }, preHandler: staff
  }, async (req) => {
    await areaInScope(app.db, req.params.id, scopeOf(req))
    const { rows } = await app.db.query<Record<string, any>>('select at, change, name, parent_id, changed_by from area_history where area_id = $1 order by id', [req.params.id])
    return { items: rows.map((r) => ({ at: iso(r.at), change: r.change, name: r.name, parentId: r.parent_id, changedBy: r.changed_by })) }
  })

  app.patch<{ Params: Static<typeof IdParams>, Body: Static<typeof AreaPatch> }>('/api/areas/:id', {
    schema: { tags: ['registry'], summary: 'Rename and/or move an area (its subtree moves with it)', params: IdParams, body: AreaPatch, response: { 200: AreaDto } }, preHandler: admin
  }, async (req) => {
    const scope = scopeOf(req)
    const out = await app.db.transaction(async (tx) => {
      const area = await areaInScope(tx, req.params.id, scope)
      let path = area.path
      let parentId = area.parent_id
      if (req.body.parentId !== undefined && req.body.parentId !== area.parent_id) {
        if (area.path === scope) throw errors.OUT_OF_SCOPE('you cannot move your own area: it would leave your scope')
        const parent = await areaInScope(tx, req.body.parentId, scope)
        if (parent.path.startsWith(area.path)) throw errors.VALIDATION('an area cannot move under itself or its own subtree')
        const problem = levelProblem(area.level, parent.level)
        if (problem) throw errors.VALIDATION(problem)
        path = `${parent.path}${area.id}/`
        parentId = parent.id
        // One statement rewrites every descendant's path prefix; the transaction keeps it atomic.
        await tx.query(`update areas set path = $1 || substr(path, length($2) + 1) where path like $2 || '%'`, [path, area.path])
        await tx.query('update areas set parent_id = $2 where id = $1', [area.id, parentId])
        await tx.query(`insert into area_history (area_id, change, name, parent_id, path, changed_by) values ($1, 'move', $2, $3, $4, $5)`, [area.id, req.body.name ?? area.name, parentId, path, req.user.username])
      }
      const name = req.body.name ?? area.name
      if (name !== area.name) {
        await tx.query('update areas set name = $2 where id = $1', [area.id, name])
        await tx.query(`insert into area_history (area_id, change, name, parent_id, path, changed_by) values ($1, 'rename', $2, $3, $4, $5)`, [area.id, name, parentId, path, req.user.username])
      }
      await audit(req, 'area.update', 'area', area.id, { from: { name: area.name, parentId: area.parent_id }, to: { name, parentId } }, tx)
      return { ...area, name, parent_id: parentId, path, moved: path !== area.path }
    })
    // Devices below a moved area now belong to other rooms: their cached area paths are stale.
    if (out.moved) for (const id of await devicesUnder(app.db, { path: out.path })) opts.invalidateDevice?.(id)
    return areaDto(out)
  })
}
