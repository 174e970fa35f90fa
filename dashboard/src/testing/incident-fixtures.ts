/** Test data builders: a complete, plausible incident with only the fields a test cares about changed. */
import type { IncidentDetailDto, IncidentDto } from '@eldercare/protocols'

export function anIncident (overrides: Partial<IncidentDto> = {}): IncidentDto {
  const openedAt = overrides.openedAt ?? '2025-01-01T08:00:00.000Z'
  return {
    id: 'inc-1',
    type: 'fall',
    priority: 'P1',
    status: 'open',
    residentId: 'res-1',
    residentName: '张秀英',
    siteId: 'site-1',
    siteName: '幸福里 3 号楼 201',
    areaId: 'area-1',
    areaName: '幸福里社区',
    deviceId: 'dev-1',
    alarmCount: 1,
    openedAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    ackDueAt: new Date(Date.parse(openedAt) + 60_000).toISOString(),
    outcome: null,
    updatedAt: openedAt,
    ...overrides
  }
}

export function anIncidentDetail (overrides: Partial<IncidentDetailDto> = {}): IncidentDetailDto {
  return { ...anIncident(overrides), timeline: overrides.timeline ?? [] }
}

/** A `fetch` answer with a JSON body. */
export function jsonResponse (status: number, body: unknown, headers: Record<string, string> = {}): Response {
  // 204 and friends must not carry a body.
  const text = status === 204 || status === 205 ? null : JSON.stringify(body)
  return new Response(text, { status, headers: { 'content-type': 'application/json', ...headers } })
}
