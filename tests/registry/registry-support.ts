/** Helpers for the registry/access/report tests: a seeded district per tenant, users per role, CSV uploads. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe } from 'vitest'
import type { Role } from '@eldercare/protocols'
import { Api } from '../support/platform.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

export interface SeededDistrict {
  tag: string
  districtId: string
  streetId: string
  communityId: string
  homeId: string
  institutionId: string
  residentId: string
  residentName: string
  deviceId: string
  deviceSecret: string
  visitId: string
}

/** district → street → community → a home and an institution, a flagged resident with sensitive fields, a device, an overdue visit. */
export async function seedDistrict (admin: Api, tag: string): Promise<SeededDistrict> {
  const areas = await admin.get<{ items: Array<{ id: string, level: string }> }>('/api/areas')
  const city = areas.items.find((a) => a.level === 'city')!
  const district = await admin.post('/api/areas', { name: `区-${tag}`, level: 'district', parentId: city.id })
  const street = await admin.post('/api/areas', { name: `街道-${tag}`, level: 'street', parentId: district.id })
  const community = await admin.post('/api/areas', { name: `社区-${tag}`, level: 'community', parentId: street.id })
  const home = await admin.post('/api/sites', { name: `家庭养老床位-${tag}`, kind: 'home', areaId: community.id, address: `${tag} 路 1 号` })
  const institution = await admin.post('/api/sites', { name: `养老院-${tag}`, kind: 'institution', areaId: community.id, rooms: [{ room: '101', beds: ['A', 'B'] }] })
  const residentName = `王奶奶-${tag}`
  const resident = await admin.post('/api/residents', {
    name: residentName, siteId: home.id, sex: 'female', birthDate: '1940-02-03', idNumber: '11010519400203124X', phone: '13800001234',
    capacityLevel: 2, flags: ['lives_alone'], keySafeCode: '4711', accessNotes: '钥匙在门口信箱',
    contacts: [{ name: `女儿-${tag}`, phone: '13900005678', relation: '女儿', notify: true, consentAt: '2026-01-02T03:04:05.000Z' }]
  })
  const device = await admin.post('/api/devices', { type: 'fall_detector', siteId: home.id, residentId: resident.id })
  const visit = await admin.post('/api/visits', { residentId: resident.id, dueDate: '2020-01-31', visitorName: `社工-${tag}` })
  return {
    tag, districtId: district.id, streetId: street.id, communityId: community.id, homeId: home.id, institutionId: institution.id,
    residentId: resident.id, residentName, deviceId: device.id, deviceSecret: device.secret, visitId: visit.id
  }
}

/** Creates a user with `role` in `areaId` and returns an Api signed in as them. */
export async function userApi (admin: Api, role: Role, areaId: string, username = `${role}-${randomUUID().slice(0, 8)}`): Promise<Api & { userId: string, username: string }> {
  const password = 'correct-horse-battery'
  const u = await admin.post('/api/users', { username, password, role, areaId })
  const api = new Api(admin.baseUrl)
  await api.login(username, password)
  return Object.assign(api, { userId: u.id as string, username })
}

/** Sends a CSV body; answers status, content type and the parsed (JSON) or raw (CSV) body. */
export async function sendCsv (api: Api, path: string, csv: string | Buffer, contentType = 'text/csv'): Promise<{ status: number, type: string, body: any }> {
  const res = await fetch(api.baseUrl + path, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${api.token}` }, body: typeof csv === 'string' ? csv : new Blob([new Uint8Array(csv)]) })
  const type = res.headers.get('content-type') ?? ''
  const text = await res.text()
  return { status: res.status, type, body: type.includes('json') ? JSON.parse(text) : text }
}

/** GET returning status and raw text (for lists, reads, CSV exports alike). */
export async function getRaw (api: Api, path: string): Promise<{ status: number, text: string }> {
  const res = await fetch(api.baseUrl + path, { headers: { authorization: `Bearer ${api.token}` } })
  return { status: res.status, text: await res.text() }
}

/**
 * Declares `suite` again on a throwaway PostgreSQL 15 database (skipped on a developer machine
 * without it, failed under CI=true); `url()` is the database's connection string once it runs.
 */
export function describeOnPostgres (dbName: string, suite: (url: () => string) => void): void {
  const pg = needsPostgres()
  describe.skipIf(!pg.ok)('on PostgreSQL', () => {
    let server: PostgresServer
    let url = ''
    beforeAll(async () => {
      server = await startPostgres()
      url = await server.createDatabase(dbName)
    })
    afterAll(async () => { await server?.stop() })
    suite(() => url)
  })
}
