/**
 * Residents: personal, health and access details. The ID-card number and the key-safe code
 * are encrypted at rest (FieldCrypto) and shown masked; reading one in clear is a "reveal"
 * through POST /api/residents/:id/reveal/:field, answered only with an audit entry written.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { RECORDED_GROUPS, RESIDENT_STATUSES, type ResidentStatus } from '@eldercare/protocols'
import { mapInTurns } from '@eldercare/common'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { maskTail, type FieldCrypto } from '../../plugins/field-crypto.ts'
import { setStatus, statusDate } from '../supervision/repository.ts'
import { auditFor, DATE_PATTERN, Id, IdParams, literalUnion, PHONE_PATTERN, scopeOf, siteInScope, residentInScope, type SiteRow, ROWS_PER_TURN } from './scope.ts'
import { insertResident, listResidents, updateResident } from './residents-repository.ts'

/**
 * The plans' groups recorded by hand, each its own flag: 独居, 空巢, 留守, 重残, 特困/低保,
 * 计划生育特殊家庭 (失能 follows the capacity assessment; protocols/src/supervision.ts).
 */
export const RESIDENT_FLAGS = RECORDED_GROUPS
/** GB/T 42195-2022 capacity levels. */
export const CAPACITY_LEVELS = ['能力完好', '轻度失能', '中度失能', '重度失能', '完全失能'] as const

export const Contact = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  phone: Type.String({ pattern: PHONE_PATTERN }),
  relation: Type.Optional(Type.String({ maxLength: 50 })),
  /** consent: told of alarms and their resolution (the response engine notifies these) */
  notify: Type.Optional(Type.Boolean({ description: 'consent: told of alarms and their resolution (issue 5)' })),
  /** when the contact consented to being stored and notified */
  consentAt: Type.Optional(Type.String({ format: 'date-time' }))
}, { additionalProperties: false })
const Strings = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })

export const ResidentBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  siteId: Id,
  sex: Type.Optional(literalUnion(['male', 'female'] as const)),
  birthDate: Type.Optional(Type.String({ pattern: DATE_PATTERN })),
  /** 18-character resident ID-card number (GB 11643); stored encrypted */
  idNumber: Type.Optional(Type.String({ pattern: '^[0-9]{17}[0-9Xx]$' })),
  phone: Type.Optional(Type.String({ pattern: PHONE_PATTERN })),
  address: Type.Optional(Type.String({ maxLength: 300 })),
  room: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  bed: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  capacityLevel: Type.Optional(Type.Integer({ minimum: 0, maximum: 4, description: 'GB/T 42195-2022: 0 能力完好 … 4 完全失能' })),
  flags: Type.Optional(Type.Array(literalUnion(RESIDENT_FLAGS), { uniqueItems: true })),
  /** kept for older clients: the same as flags containing lives_alone */
  livesAlone: Type.Optional(Type.Boolean()),
  conditions: Type.Optional(Strings),
  medications: Type.Optional(Strings),
  allergies: Type.Optional(Strings),
  accessNotes: Type.Optional(Type.String({ maxLength: 1000 })),
  /** stored encrypted; shown only through an audited reveal */
  keySafeCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  /** in order of calling */
  contacts: Type.Optional(Type.Array(Contact, { maxItems: 10 })),
  /** active, in_hospital (alarms still handled, visits paused), moved_out, deceased; every change is kept (issue 16) */
  status: Type.Optional(literalUnion(RESIDENT_STATUSES)),
  /** the date the status took effect (YYYY-MM-DD or date-time); default now */
  statusSince: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T.*)?$' }))
}, { additionalProperties: false })
export type ResidentInput = Static<typeof ResidentBody>
const ResidentPatch = Type.Partial(ResidentBody, { additionalProperties: false, minProperties: 1 })

const REVEAL_FIELDS = ['id-number', 'key-safe-code', 'phone', 'contact-phones'] as const
const RevealParams = Type.Object({ id: Id, field: literalUnion(REVEAL_FIELDS) })
const RevealBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false })

/** Masks all but the last four digits of a phone number. */
export function maskPhone (phone: string | null): string | null {
  if (!phone) return phone
  const digits = phone.replace(/\D/g, '')
  // A short number shows no digit and not even its length.
  return digits.length <= 4 ? '****' : maskTail(digits)
}

/** Why room/bed do not fit the site, or null. An institution that lists rooms holds residents to them. */
export function placeProblem (site: Pick<SiteRow, 'kind' | 'rooms'>, room?: string | null, bed?: string | null): string | null {
  if (!room && !bed) return null
  if (site.kind !== 'institution') return 'room and bed belong to an institution; this site is a home'
  if (!site.rooms.length) return null
  const r = site.rooms.find((x) => x.room === room)
  if (!r) return `room ${room ?? '(none)'} is not one of the institution's rooms`
  if (bed && r.beds?.length && !r.beds.includes(bed)) return `bed ${bed} is not one of room ${room}'s beds`
  return null
}

/** Column values for an insert or update; encrypts the sensitive ones. Keys absent from `b` are left out. */
export function residentColumns (b: Partial<ResidentInput>, crypto: FieldCrypto): Record<string, unknown> {
  const c: Record<string, unknown> = {}
  const plain = { name: 'name', siteId: 'site_id', sex: 'sex', birthDate: 'birth_date', phone: 'phone', address: 'address', room: 'room', bed: 'bed', capacityLevel: 'capacity_level', accessNotes: 'access_notes' } as const
  for (const [k, col] of Object.entries(plain)) if (k in b) c[col] = (b as Record<string, unknown>)[k] ?? null
  for (const k of ['conditions', 'medications', 'allergies', 'contacts'] as const) if (b[k] !== undefined) c[k] = JSON.stringify(b[k])
  if (b.flags !== undefined || b.livesAlone !== undefined) {
    const flags = new Set(b.flags ?? [])
    if (b.livesAlone === true) flags.add('lives_alone')
    if (b.livesAlone === false && b.flags === undefined) flags.delete('lives_alone')
    c.flags = JSON.stringify([...flags])
    c.lives_alone = flags.has('lives_alone')
  }
  if (b.idNumber !== undefined) c.id_number_enc = crypto.encrypt(b.idNumber.toUpperCase())
  if (b.keySafeCode !== undefined) c.key_safe_code_enc = crypto.encrypt(b.keySafeCode)
  return c
}

export function residentDto (r: Record<string, any>, crypto: FieldCrypto) {
  const flags: string[] = [...(r.flags ?? [])]
  if (r.lives_alone && !flags.includes('lives_alone')) flags.unshift('lives_alone')
  return {
    id: r.id, name: r.name, siteId: r.site_id, siteName: r.site_name ?? null, sex: r.sex ?? null,
    birthDate: r.birth_date ? iso(r.birth_date)!.slice(0, 10) : null,
    idNumber: r.id_number_enc ? maskTail(crypto.decrypt(r.id_number_enc)) : null,
    phone: maskPhone(r.phone), address: r.address ?? null, room: r.room ?? null, bed: r.bed ?? null,
    capacityLevel: r.capacity_level, capacityName: r.capacity_level == null ? null : CAPACITY_LEVELS[r.capacity_level],
    flags, livesAlone: flags.includes('lives_alone'),
    status: r.status ?? 'active', statusSince: r.status_since ? iso(r.status_since) : null,
    capacityOverrideReason: r.capacity_override_reason ?? null,
    conditions: r.conditions, medications: r.medications ?? [], allergies: r.allergies ?? [],
    accessNotes: r.access_notes ?? null, hasKeySafeCode: Boolean(r.key_safe_code_enc),
    contacts: (r.contacts as Array<Record<string, unknown> & { phone: string }>).map((c) => ({ ...c, phone: maskPhone(c.phone) }))
  }
}

const ListQuery = Type.Object({
  areaId: Type.Optional(Id), siteId: Type.Optional(Id), flagged: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 }))
}, { additionalProperties: false })

export const residentRoutes: FastifyPluginAsync = async (app) => {
  const staff = [app.authenticate, app.requireCapability('registry.read')]
    const admin = [app.authenticate, app.requireCapability('registry.write')]
    const audit = auditFor(app)

    app.post<{ Body: ResidentInput }>('/api/residents', {
      schema: { tags: ['registry'], body: ResidentBody }, preHandler: admin
    }, async (req, reply) => {
      const b = req.body
      const site = await siteInScope(app.db, b.siteId, scopeOf(req))
      const problem = placeProblem(site, b.room, b.bed)
      if (problem) throw errors.VALIDATION(problem)
      const id = randomUUID()
      await app.db.transaction(async (tx) => {
        await insertResident(tx, id, residentColumns(b, app.fieldCrypto))
        await audit(req, 'resident.create', 'resident', id, { siteId: b.siteId }, tx)
      })
      return reply.code(201).send(residentDto(await residentInScope(app.db, id, '/'), app.fieldCrypto))
    })

    app.get<{ Querystring: Static<typeof ListQuery> }>('/api/residents', {
      schema: { tags: ['registry'], summary: 'Residents in your scope (sensitive fields masked)', querystring: ListQuery }, preHandler: staff
    }, async (req) => {
      return { items: await mapInTurns(await listResidents(app.db, scopeOf(req), req.query), (r) => residentDto(r, app.fieldCrypto), ROWS_PER_TURN) }
    })

    app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id', {
      schema: { tags: ['registry'], params: IdParams }, preHandler: staff
    }, async (req) => residentDto(await residentInScope(app.db, req.params.id, scopeOf(req)), app.fieldCrypto))

    app.patch<{ Params: Static<typeof IdParams>, Body: Partial<ResidentInput> }>('/api/residents/:id', {
      schema: { tags: ['registry'], summary: 'Change a resident (absent fields stay as they are)', params: IdParams, body: ResidentPatch }, preHandler: admin
    }, async (req) => {
      const scope = scopeOf(req)
      await app.db.transaction(async (tx) => {
        const before = await residentInScope(tx, req.params.id, scope)
        const site = await siteInScope(tx, req.body.siteId ?? before.site_id, scope)
        const problem = placeProblem(site, req.body.room ?? before.room, req.body.bed ?? before.bed)
        if (problem) throw errors.VALIDATION(problem)
        // livesAlone alone changes that one flag and keeps the others.
        const body = req.body.livesAlone !== undefined && req.body.flags === undefined
          ? { ...req.body, flags: (before.flags as ResidentInput['flags'] ?? []).filter((f) => f !== 'lives_alone') }
          : req.body
        await updateResident(tx, before.id, { ...residentColumns(body, app.fieldCrypto), updated_at: new Date() })
        if (req.body.status !== undefined) {
          await setStatus(tx, before.id, req.body.status as ResidentStatus, statusDate(req.body.statusSince, Date.now()), req.user.username, null)
        }
        // Names of the changed fields only: values may be personal data.
        await audit(req, 'resident.update', 'resident', before.id, { changed: Object.keys(req.body) }, tx)
      })
      return residentDto(await residentInScope(app.db, req.params.id, scope), app.fieldCrypto)
    })

    app.post<{ Params: Static<typeof RevealParams>, Body: Static<typeof RevealBody> }>('/api/residents/:id/reveal/:field', {
      schema: { tags: ['registry'], summary: 'Show one sensitive field in clear; audited', params: RevealParams, body: Type.Optional(RevealBody) },
      preHandler: [app.authenticate, app.requireCapability('resident.reveal')]
    }, async (req) => {
      const r = await residentInScope(app.db, req.params.id, scopeOf(req))
      const field = req.params.field
      let value: unknown
      if (field === 'id-number') value = r.id_number_enc ? app.fieldCrypto.decrypt(r.id_number_enc) : null
      else if (field === 'key-safe-code') value = r.key_safe_code_enc ? app.fieldCrypto.decrypt(r.key_safe_code_enc) : null
      else if (field === 'phone') value = r.phone ?? null
      else value = (r.contacts as Array<{ name: string, phone: string, relation?: string }>).map((c) => ({ name: c.name, relation: c.relation ?? null, phone: c.phone }))
      // The audit entry is written before the value leaves: no reveal without its record.
      await audit(req, 'resident.reveal', 'resident', r.id, { field, reason: req.body?.reason ?? null })
      return { residentId: r.id, field, value }
    })
}
