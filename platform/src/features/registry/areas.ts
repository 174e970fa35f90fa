/**
 * Areas: the five-level network's tree (city → district → street → community). A rename or a
 * move leaves a row in area_history; a move rewrites the materialised path of the whole
 * subtree in one transaction, so scoping stays one prefix match.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { AREA_LEVELS, AreaDto, type AreaLevel } from '@eldercare/protocols'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { areaInScope, auditFor, devicesUnder, type InvalidateOptions, IdParams, Id, LEVEL_ORDER, literalUnion, scopeOf, type AreaRow } from './scope.ts'
import { areaHistory, insertArea, listAreas, moveArea, renameArea, rootArea } from './areas-repository.ts'

export const AreaBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }), level: literalUnion(AREA_LEVELS), parentId: Type.Optional(Id)
}, { additionalProperties: false })
const AreaPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  parentId: Type.Optional(Id)
}, { additionalProperties: false, minProperties: 1 })

/** Why `level` may not sit under `parentLevel`, or null when it may. */
export function levelProblem (level: AreaLevel, parentLevel: AreaLevel | null): string | null {
  if (parentLevel === null) return level === 'city' ? null : `a ${level} needs a parent area`
  return LEVEL_ORDER.indexOf(level) > LEVEL_ORDER.indexOf(parentLevel) ? null : `a ${level} cannot sit under a ${parentLevel}`
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
      const root = await rootArea(app.db)
      if (root) throw errors.VALIDATION(`parentId is required: the installation has one root area (${root.name}); create districts under it`)
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
    return { items: (await listAreas(app.db, scopeOf(req))).map(areaDto) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/areas/:id', {
    schema: { tags: ['registry'], params: IdParams, response: { 200: AreaDto } }, preHandler: staff
  }, async (req) => areaDto(await areaInScope(app.db, req.params.id, scopeOf(req))))

  app.get<{ Params: Static<typeof IdParams> }>('/api/areas/:id/history', {
    schema: { tags: ['registry'], summary: 'Every name and position the area has had', params: IdParams }, preHandler: staff
  }, async (req) => {
    await areaInScope(app.db, req.params.id, scopeOf(req))
    return { items: (await areaHistory(app.db, req.params.id)).map((r) => ({ at: iso(r.at), change: r.change, name: r.name, parentId: r.parent_id, changedBy: r.changed_by })) }
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
        await moveArea(tx, area, { parentId, path, name: req.body.name ?? area.name }, req.user.username)
      }
      const name = req.body.name ?? area.name
      if (name !== area.name) {
        await renameArea(tx, { id: area.id, name, parentId, path }, req.user.username)
      }
      await audit(req, 'area.update', 'area', area.id, { from: { name: area.name, parentId: area.parent_id }, to: { name, parentId } }, tx)
      return { ...area, name, parent_id: parentId, path, moved: path !== area.path }
    })
    // Devices below a moved area now belong to other rooms: their cached area paths are stale.
    if (out.moved) for (const id of await devicesUnder(app.db, { path: out.path })) opts.invalidateDevice?.(id)
    return areaDto(out)
  })
}
