/**
 * The console's list fetchers check what the platform answers against the contract's DTO schemas
 * (protocols/src/dto.ts): an answer that breaks it is refused with DASH_ERR_BAD_RESPONSE and the
 * place where it breaks; a list keeps its good items and drops (and logs) a malformed one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../testing/incident-fixtures.ts'
import { stubPlatform } from '../testing/fake-fetch.ts'
import { getAreas } from './registry/get-areas.ts'
import { getSites } from './registry/get-sites.ts'
import { getUsers } from '../features/admin/api/get-users.ts'
import { getResponders } from '../features/admin/api/responders.ts'
import { getCandidates } from '../features/incidents/api/get-candidates.ts'
import { getVisitCoverage } from '../features/visits/api/get-visit-coverage.ts'
import { getOverdueVisits } from '../features/visits/api/get-overdue-visits.ts'
import { getVisits } from '../features/visits/api/get-visits.ts'
import { getWelfareRounds } from '../features/welfare-rounds/api/welfare-rounds.ts'

const area = { id: 'a1', name: '幸福里社区', level: 'community', parentId: null, depth: 0 }
const visit = {
  id: 'v1', residentId: 'r1', residentName: '王秀英', areaId: 'a1', areaName: '幸福里社区', dueDate: '2026-03-31', status: 'planned',
  visitor: { userId: null, name: null, phone: null }, visitedAt: null, outcome: null, notes: null, followUpNeeded: null, incidentId: null
}

describe('list fetchers on DTO schemas', () => {
  afterEach(() => { vi.unstubAllGlobals(); vi.restoreAllMocks() })

  it('refuses a list answer without its list, saying so', async () => {
    stubPlatform(() => jsonResponse(200, { items: 'nope' }))
    await expect(getAreas()).rejects.toMatchObject({ name: 'ApiError', code: 'DASH_ERR_BAD_RESPONSE', message: 'the area list breaks the contract at /items: expected an array' })
    stubPlatform(() => jsonResponse(200, {}))
    await expect(getResponders()).rejects.toMatchObject({ code: 'DASH_ERR_BAD_RESPONSE', message: 'the responder list breaks the contract at /items: expected an array' })
  })

  it('refuses a figures answer that breaks the contract, naming the field', async () => {
    stubPlatform(() => jsonResponse(200, { month: '2026-03', areaId: 'a1', target: 1, total: { flagged: '3', visited: 1, rate: null }, areas: [] }))
    const refused = await getVisitCoverage('2026-03', null).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'DASH_ERR_BAD_RESPONSE' })
    expect((refused as Error).message).toMatch(/^the visit coverage breaks the contract at \/total\/flagged: /)
    stubPlatform(() => jsonResponse(200, { today: '2026-04-01', items: [visit], byArea: [{ areaId: 'a1', name: '幸福里社区' }] }))
    await expect(getOverdueVisits()).rejects.toThrow(/^the overdue visit list breaks the contract at \/byArea\/0\/overdue: /)
  })

  it('keeps the good items of a list and drops a malformed one with where it breaks', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    stubPlatform(() => jsonResponse(200, { items: [area, { ...area, id: 'a2', depth: 'one' }] }))
    expect(await getAreas()).toEqual([area])
    expect(warn).toHaveBeenCalledWith('dashboard: dropped a malformed area (/depth: Expected integer)', expect.anything())
    stubPlatform(() => jsonResponse(200, { items: [visit, { ...visit, id: 'v2', status: 'lost' }] }))
    expect((await getVisits({})).map((v) => v.id)).toEqual(['v1'])
  })

  it('admits well-formed answers of every fetcher unchanged', async () => {
    const answers: Record<string, unknown> = {
      '/api/sites': { items: [{ id: 's1', name: '3 号楼', kind: 'home', areaId: 'a1', address: null, geo: { lat: 32.99, lng: 112.53 }, rooms: [], familyBed: null }] },
      '/api/users': { items: [{ id: 'u1', username: 'op1', role: 'operator', areaId: 'a1', areaName: null, displayName: null, disabled: false, createdAt: '2026-03-01T00:00:00.000Z' }] },
      '/api/incidents/i1/candidates': { items: [{ id: 'p1', name: '张护理', kind: 'care_worker', areaId: 'a1', areaName: null, phone: null, onDuty: true, busy: false, distanceM: 420, distanceFrom: 'home' }] },
      '/api/welfare-rounds': {
        items: [{
          id: 'w1', areaId: 'a1', message: '平安请按', deadline: '2026-03-01T10:00:00.000Z', onUnconfirmed: 'incident', status: 'closed', startedBy: 'sup', startedAt: '2026-03-01T08:00:00.000Z',
          closedAt: '2026-03-01T10:00:00.000Z', total: 2, confirmed: 1, unconfirmed: 1, byKind: { checkin: 1, call: 0, visit: 0, phone: 0 }, speak: { devices: 1, sent: 1, acked: 1 }, incidents: 1, visitTasks: 0
        }]
      }
    }
    stubPlatform(({ url }) => jsonResponse(200, answers[url]))
    expect(await getSites()).toEqual((answers['/api/sites'] as { items: unknown[] }).items)
    expect(await getUsers()).toEqual((answers['/api/users'] as { items: unknown[] }).items)
    expect(await getCandidates('i1')).toEqual((answers['/api/incidents/i1/candidates'] as { items: unknown[] }).items)
    expect(await getWelfareRounds()).toEqual((answers['/api/welfare-rounds'] as { items: unknown[] }).items)
  })
})
