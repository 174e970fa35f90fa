import { describe, expect, it } from 'vitest'
import { maskName, sharedIncident } from '../src/features/supervision/integrations.ts'

describe('data shared with an upper platform (issue 16)', () => {
  it('masks names but the first character', () => {
    expect(maskName('张三丰')).toBe('张**')
    expect(maskName('李四')).toBe('李*')
    expect(maskName('甲')).toBe('*')
    expect(maskName(null)).toBeNull()
  })

  it('passes only the listed fields of an incident', () => {
    const inc = {
      id: 'i1', type: 'fall', priority: 'P1', status: 'open', residentId: 'r1', residentName: '王秀英', siteId: 's1', siteName: '幸福路1号',
      areaId: 'a1', areaName: '社区', deviceId: 'd1', alarmCount: 1, openedAt: '2026-06-01T00:00:00Z', acknowledgedAt: null, acknowledgedBy: 'op1',
      resolvedAt: null, ackDueAt: null, outcome: null, updatedAt: '2026-06-01T00:00:00Z'
    } as const
    const shared = sharedIncident(inc as never, false)
    expect(shared.residentName).toBe('王**')
    expect(JSON.stringify(shared)).not.toMatch(/幸福路|op1|siteName|deviceId|acknowledgedBy/)
    expect(sharedIncident(inc as never, true).residentName).toBe('王秀英')
  })
})
