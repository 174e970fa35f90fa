/**
 * Bulk import from CSV (`Content-Type: text/csv`, header row first) for areas, sites,
 * residents and devices. Every row is validated first; any problem answers 422
 * 422 IMPORT_INVALID with all problems and their line numbers, and nothing is written.
 * A device import answers a CSV of the new secrets, shown this once, for the installers.
 * Column lists: docs/platform.md, "Bulk import".
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type TSchema } from '@sinclair/typebox'
import type { AreaLevel } from '@eldercare/protocols'
import { generateDeviceSecret, mapInTurns } from '@eldercare/common'
import type { Queryable } from '../../db/db.ts'
import { decodeCsv, ImportError, parseBool, parseCsv, parseNum, schemaProblems, splitList, type CsvRow, type ImportProblem } from './csv-import.ts'
import { csvCell, toCsv } from '../reports/service.ts'
import { AreaBody, levelProblem } from './areas.ts'
import { areasInScope, insertAreas } from './areas-repository.ts'
import { DeviceBody, newDeviceId } from './devices.ts'
import { insertDevices } from './devices-repository.ts'
import { placeProblem, residentColumns, ResidentBody, type ResidentInput } from './residents.ts'
import { insertResidents } from './residents-repository.ts'
import { auditFor, ClientId, type InvalidateOptions, ROWS_PER_TURN, scopeOf } from './scope.ts'
import { hubSites, type ImportTable, residentSites, sitesInScope, takenIds, writeInChunks } from './imports-repository.ts'
import { SiteBody } from './sites.ts'
import { insertSites, type SiteInput } from './sites-repository.ts'

/** Largest CSV body accepted, in bytes (50,000 resident rows fit). */
const IMPORT_BODY_LIMIT_BYTES = 32 * 1024 * 1024
const MAX_CONTACTS = 3
const CONTACT_COLUMNS = Array.from({ length: MAX_CONTACTS }, (_, i) => ['name', 'phone', 'relation', 'notify', 'consent_at'].map((f) => `contact${i + 1}_${f}`)).flat()

const withId = (schema: TSchema) => Type.Composite([schema, Type.Object({ id: Type.Optional(ClientId) })], { additionalProperties: false })
/** A file's row: the REST body and an optional id of the file's (made once: composing a schema is slow). */
const AREA_ROW = withId(AreaBody)
const SITE_ROW = withId(SiteBody)
const RESIDENT_ROW = withId(ResidentBody)
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
/** `/birthDate` → birth_date; `/contacts/0/phone` → contact1_phone; `/geo/lat` → lat. */
export function columnOf (path: string): string {
  const [field, index, sub] = path.split('/').filter(Boolean)
  if (field === 'contacts') return sub ? `contact${Number(index) + 1}_${snake(sub)}` : 'contact1_name'
  if (field === 'geo') return index ?? 'lat'
  return snake(field ?? '')
}
/** An import's per-row work a turn of the event loop at a time (ROWS_PER_TURN rows). */
const inTurnsMap = <T, R>(rows: readonly T[], fn: (row: T) => R) => mapInTurns(rows, fn, ROWS_PER_TURN)
/** A bulk import's statements: their texts vary with the rows, so they are not kept prepared. */
const BULK = { prepare: false } as const
const compact = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/** Rows with an id already used earlier in the file or in the database get a problem each. */
async function checkIds (q: Queryable, table: ImportTable, rows: Array<{ line: number, id: string, explicit: boolean }>, problems: ImportProblem[]): Promise<void> {
  const seen = new Map<string, number>()
  await inTurnsMap(rows, (r) => {
    const first = seen.get(r.id)
    if (first !== undefined) problems.push({ line: r.line, column: 'id', message: `id ${r.id} is used twice (first on line ${first})` })
    else seen.set(r.id, r.line)
  })
  const exists = await takenIds(q, table, rows.filter((r) => r.explicit).map((r) => r.id))
  for (const r of rows) if (r.explicit && exists.has(r.id)) problems.push({ line: r.line, column: 'id', message: `id ${r.id} is already registered` })
}

/** `101:A|B;102` → [{room:'101', beds:['A','B']}, {room:'102'}] */
export function parseRooms (v: string | undefined): Array<{ room: string, beds?: string[] }> | undefined {
  return splitList(v)?.map((part) => {
    const [room, beds] = part.split(':')
    return compact({ room: room.trim(), beds: beds ? beds.split('|').map((b) => b.trim()).filter(Boolean) : undefined })
  })
}

/**
 * A device secret that a spreadsheet shows as it is: base64url may start with `-`, which the CSV
 * writer defuses as a formula (changing the value), so such draws are thrown away (1 in 32).
 */
export function csvSafeSecret (): string {
  for (;;) {
    const secret = generateDeviceSecret()
    if (csvCell(secret) === secret) return secret
  }
}

export const importRoutes: FastifyPluginAsync<InvalidateOptions> = async (app, opts) => {
  const admin = [app.authenticate, app.requireCapability('registry.write')]
  const audit = auditFor(app)
  // Bytes, not text: the file's encoding is detected (decodeCsv), since Chinese Excel writes GB18030.
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT_BYTES }, (req, body, done) => {
    try { done(null, decodeCsv(body as Buffer, req.headers['content-type'])) } catch (err) { done(err as Error, undefined) }
  })
  const csvBody = (req: FastifyRequest): string => {
    if (typeof req.body !== 'string') throw new ImportError([{ line: 0, message: 'send the file as the request body with Content-Type: text/csv' }])
    return req.body
  }
  const route = (kind: string, summary: string) => ({
    schema: { tags: ['import'], summary, consumes: ['text/csv'], body: Type.String({ description: 'CSV with a header row' }) },
    preHandler: admin, bodyLimit: IMPORT_BODY_LIMIT_BYTES
  })
  const fail = (problems: ImportProblem[]) => { if (problems.length) throw new ImportError(problems.sort((a, b) => a.line - b.line)) }

  // ── areas: id?, name, level, parent_id? (an existing area in your scope, or one listed above) ──
  app.post('/api/import/areas', route('areas', 'Import areas from CSV (id, name, level, parent_id)'), async (req, reply) => {
    const rows = await parseCsv(csvBody(req), { required: ['name', 'level'], optional: ['id', 'parent_id'] })
    const problems: ImportProblem[] = []
    const items = await inTurnsMap(rows, (r) => {
      const body = compact({ id: r.cells.id, name: r.cells.name, level: r.cells.level, parentId: r.cells.parent_id })
      problems.push(...schemaProblems(AREA_ROW, body, r.line, columnOf))
      return { line: r.line, body: body as { id?: string, name: string, level: AreaLevel, parentId?: string }, id: body.id ?? randomUUID(), explicit: body.id !== undefined }
    })
    fail(problems)
    await checkIds(app.db, 'areas', items, problems)
    const parentIds = [...new Set(items.map((i) => i.body.parentId).filter((x): x is string => Boolean(x)))]
    const existing = await areasInScope(app.db, parentIds, scopeOf(req))
    const known = new Map(existing.map((a) => [a.id, { level: a.level, path: a.path }]))
    const isRootUser = scopeOf(req).split('/').filter(Boolean).length === 1
    const planned: Array<{ id: string, name: string, level: AreaLevel, parentId: string | null, path: string }> = []
    for (const it of items) {
      const pid = it.body.parentId
      const parent = pid ? known.get(pid) : null
      if (pid && !parent) {
        const later = items.find((x) => x.id === pid && x.line > it.line)
        problems.push({ line: it.line, column: 'parent_id', message: later ? `parent ${pid} is listed later (line ${later.line}); list parents first` : `parent ${pid} is not an area in your scope nor listed above` })
        continue
      }
      if (!pid && !isRootUser) { problems.push({ line: it.line, column: 'parent_id', message: 'parent_id is required: only a top-level administrator creates a root area' }); continue }
      const problem = levelProblem(it.body.level, parent?.level ?? null)
      if (problem) { problems.push({ line: it.line, column: 'level', message: problem }); continue }
      const path = `${parent?.path ?? '/'}${it.id}/`
      known.set(it.id, { level: it.body.level, path })
      planned.push({ id: it.id, name: it.body.name, level: it.body.level, parentId: pid ?? null, path })
    }
    fail(problems)
    await writeInChunks(app.db, 'areas', planned, (q, chunk) => insertAreas(q, chunk, req.user.username, BULK))
    await audit(req, 'import.areas', 'area', null, { rows: planned.length })
    return reply.code(201).send({ imported: planned.length, items: planned.map((a, i) => ({ line: items[i].line, id: a.id })) })
  })

  // ── sites: id?, name, kind, area_id (a community), address?, lat?, lng?, rooms? ──
  app.post('/api/import/sites', route('sites', 'Import sites from CSV (id, name, kind, area_id, address, lat, lng, rooms "101:A|B;102")'), async (req, reply) => {
    const rows = await parseCsv(csvBody(req), { required: ['name', 'kind', 'area_id'], optional: ['id', 'address', 'lat', 'lng', 'rooms'] })
    const problems: ImportProblem[] = []
    const items = await inTurnsMap(rows, (r) => {
      const c = r.cells
      const geo = c.lat !== undefined || c.lng !== undefined ? { lat: parseNum(c.lat), lng: parseNum(c.lng) } : undefined
      const body = compact({ id: c.id, name: c.name, kind: c.kind, areaId: c.area_id, address: c.address, geo, rooms: parseRooms(c.rooms) })
      problems.push(...schemaProblems(SITE_ROW, body, r.line, columnOf))
      if (body.rooms?.length && body.kind !== 'institution') problems.push({ line: r.line, column: 'rooms', message: 'only an institution has rooms and beds' })
      return { line: r.line, body: body as unknown as SiteInput, id: c.id ?? randomUUID(), explicit: c.id !== undefined }
    })
    fail(problems)
    await checkIds(app.db, 'sites', items, problems)
    const areas = await areasInScope(app.db, [...new Set(items.map((i) => i.body.areaId))], scopeOf(req))
    const level = new Map(areas.map((a) => [a.id, a.level]))
    await inTurnsMap(items, (it) => {
      const l = level.get(it.body.areaId)
      if (!l) problems.push({ line: it.line, column: 'area_id', message: `area ${it.body.areaId} is not in your scope` })
      else if (l !== 'community') problems.push({ line: it.line, column: 'area_id', message: `a site belongs to a community; ${it.body.areaId} is a ${l}` })
    })
    fail(problems)
    await writeInChunks(app.db, 'sites', items, (q, chunk) => insertSites(q, chunk.map((it) => ({ ...it.body, id: it.id })), req.user.username, BULK))
    await audit(req, 'import.sites', 'site', null, { rows: items.length })
    return reply.code(201).send({ imported: items.length, items: await inTurnsMap(items, (i) => ({ line: i.line, id: i.id })) })
  })

  // ── residents ──
  const residentColumnsList = ['id', 'sex', 'birth_date', 'id_number', 'phone', 'address', 'room', 'bed', 'capacity_level', 'flags', 'conditions', 'medications', 'allergies', 'access_notes', 'key_safe_code', ...CONTACT_COLUMNS]
  app.post('/api/import/residents', route('residents', 'Import residents from CSV (see docs/platform.md for the columns)'), async (req, reply) => {
    const rows = await parseCsv(csvBody(req), { required: ['name', 'site_id'], optional: residentColumnsList })
    const problems: ImportProblem[] = []
    const items = await inTurnsMap(rows, (r: CsvRow) => {
      const c = r.cells
      const contacts = []
      for (let i = 1; i <= MAX_CONTACTS; i++) {
        const k = (f: string) => c[`contact${i}_${f}`]
        if (k('name') === undefined && k('phone') === undefined) continue
        contacts.push(compact({ name: k('name'), phone: k('phone'), relation: k('relation'), notify: parseBool(k('notify')), consentAt: k('consent_at') }))
      }
      const body = compact({
        id: c.id, name: c.name, siteId: c.site_id, sex: c.sex, birthDate: c.birth_date, idNumber: c.id_number, phone: c.phone, address: c.address,
        room: c.room, bed: c.bed, capacityLevel: parseNum(c.capacity_level), flags: splitList(c.flags), conditions: splitList(c.conditions),
        medications: splitList(c.medications), allergies: splitList(c.allergies), accessNotes: c.access_notes, keySafeCode: c.key_safe_code,
        contacts: contacts.length ? contacts : undefined
      })
      problems.push(...schemaProblems(RESIDENT_ROW, body, r.line, columnOf))
      const { id: _id, ...input } = body
      return { line: r.line, body: input as unknown as ResidentInput, id: c.id ?? randomUUID(), explicit: c.id !== undefined }
    })
    fail(problems)
    await checkIds(app.db, 'residents', items, problems)
    const sites = await sitesInScope(app.db, items.map((i) => i.body.siteId), scopeOf(req))
    await inTurnsMap(items, (it) => {
      const site = sites.get(it.body.siteId)
      if (!site) { problems.push({ line: it.line, column: 'site_id', message: `site ${it.body.siteId} is not in your scope` }); return }
      const problem = placeProblem(site, it.body.room, it.body.bed)
      if (problem) problems.push({ line: it.line, column: 'room', message: problem })
    })
    fail(problems)
    await writeInChunks(app.db, 'residents', items, (q, chunk) => insertResidents(q, chunk.map((it) => ({ id: it.id, ...residentColumns(it.body, app.fieldCrypto) })), BULK))
    await audit(req, 'import.residents', 'resident', null, { rows: items.length })
    return reply.code(201).send({ imported: items.length, items: await inTurnsMap(items, (i) => ({ line: i.line, id: i.id })) })
  })

  // ── devices: id?, type, site_id, resident_id?, parent_id? → CSV of secrets ──
  app.post('/api/import/devices', route('devices', 'Import devices from CSV (id, type, site_id, resident_id, parent_id); answers the secrets once as CSV'), async (req, reply) => {
    const rows = await parseCsv(csvBody(req), { required: ['type', 'site_id'], optional: ['id', 'resident_id', 'parent_id'] })
    const problems: ImportProblem[] = []
    const items = await inTurnsMap(rows, (r) => {
      const c = r.cells
      const body = compact({ id: c.id, type: c.type, siteId: c.site_id, residentId: c.resident_id, parentId: c.parent_id })
      problems.push(...schemaProblems(DeviceBody, body, r.line, columnOf))
      return { line: r.line, body: body as { type: string, siteId: string, residentId?: string, parentId?: string }, id: c.id ?? newDeviceId(), explicit: c.id !== undefined }
    })
    fail(problems)
    await checkIds(app.db, 'devices', items, problems)
    const scope = scopeOf(req)
    const sites = await sitesInScope(app.db, items.map((i) => i.body.siteId), scope)
    const residentSite = await residentSites(app.db, [...new Set(items.map((i) => i.body.residentId).filter((x): x is string => Boolean(x)))])
    const hubs = await hubSites(app.db, [...new Set(items.map((i) => i.body.parentId).filter((x): x is string => Boolean(x)))])
    await inTurnsMap(items, (it) => {
      const b = it.body
      if (!sites.has(b.siteId)) { problems.push({ line: it.line, column: 'site_id', message: `site ${b.siteId} is not in your scope` }); return }
      if (b.residentId && residentSite.get(b.residentId) !== b.siteId) problems.push({ line: it.line, column: 'resident_id', message: 'resident_id must name a resident of the same site' })
      if (b.parentId && hubs.get(b.parentId) !== b.siteId) problems.push({ line: it.line, column: 'parent_id', message: 'parent_id must name a hub at the same site (registered, or listed above)' })
      if (b.type === 'hub') hubs.set(it.id, b.siteId)
    })
    fail(problems)
    // [P-1.2] secrets are generated here, stored hashed, and leave only in this answer.
    const out = await inTurnsMap(items, (it) => ({ ...it, secret: csvSafeSecret() }))
    // hubs were listed before their children (checked above), so chunk order keeps parents first
    await writeInChunks(app.db, 'devices', out, (q, chunk) => insertDevices(q, chunk.map((it) => ({ ...it.body, id: it.id, secret: it.secret })), BULK))
    await audit(req, 'import.devices', 'device', null, { rows: out.length, secretsIssued: out.length })
    await inTurnsMap(out, (d) => opts.invalidateDevice?.(d.id))
    const lines = await inTurnsMap(out, (d) => toCsv([[d.line, d.id, d.body.type, d.body.siteId, d.body.residentId ?? '', d.secret]]))
    return reply.code(201).type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="device-secrets.csv"')
      .send(toCsv([['line', 'id', 'type', 'site_id', 'resident_id', 'secret']]) + lines.join(''))
  })
}
