// The DTO schemas (dto.ts) and their compiled checks (dto-check.ts): what the console admits from
// the network, and what it drops.
import { describe, expect, it } from 'vitest'
import {
  ALARM_TYPES, isDeviceDto, isDeviceStatusDto, isIncidentDetailDto, isIncidentDto, isIncidentEscalatedDto, isLoginResponse, isResidentDto,
  type IncidentDto
} from '../src/index.ts'

const incident: IncidentDto = {
  id: 'inc-1', type: 'fall', priority: 'P1', status: 'open',
  residentId: 'res-1', residentName: '张秀英', siteId: 'site-1', siteName: '幸福里 3 号楼 201',
  areaId: 'area-1', areaName: '幸福里社区', deviceId: 'dev-1', alarmCount: 1,
  openedAt: '2025-01-01T08:00:00.000Z', acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null,
  ackDueAt: '2025-01-01T08:01:00.000Z', outcome: null, updatedAt: '2025-01-01T08:00:00.000Z'
}

describe('incident DTO', () => {
  it('admits the platform\'s incident, with or without the response-engine fields, and fields it does not know', () => {
    expect(isIncidentDto(incident)).toBe(true)
    expect(isIncidentDto({
      ...incident, dispatchedAt: null, onSceneAt: null, onSceneDueAt: null, ackBreached: false, onSceneBreached: false,
      cancelled: false, cancelledAt: null, escalationLevel: 0, responder: { id: 'rp-1', name: '李', offerStatus: 'offered' }, reAlert: 'repeat'
    })).toBe(true)
    expect(isIncidentDto({ ...incident, addedByANewerPlatform: 1 })).toBe(true)
  })

  it.each([
    ['a priority outside P1–P4', { priority: 'P9' }, '/priority'],
    ['an unknown status', { status: 'lost' }, '/status'],
    ['an opening time that is not a time', { openedAt: 'yesterday' }, '/openedAt'],
    ['a missing site', { siteId: undefined }, '/siteId'],
    ['a number for a name', { residentName: 42 }, '/residentName'],
    ['no alarm', { alarmCount: 0 }, '/alarmCount'],
    ['an unknown re-alert', { reAlert: 'always' }, '/reAlert']
  ])('drops an incident with %s, naming the field', (_what, change, path) => {
    const bad = { ...incident, ...change }
    expect(isIncidentDto(bad)).toBe(false)
    expect(isIncidentDto.problem(bad)).toMatch(new RegExp(`^${path}: `))
  })

  it('drops what is not an object at all', () => {
    for (const v of [null, undefined, 'inc-1', 1, [incident]]) expect(isIncidentDto(v)).toBe(false)
    expect(isIncidentDto.problem(incident)).toBeNull()
  })

  it('checks the detail\'s timeline and the escalation event around an incident', () => {
    const entry = { at: '2025-01-01T08:00:01.000Z', kind: 'opened', actor: null, text: null, data: { alarmType: 'fall' } }
    expect(isIncidentDetailDto({ ...incident, timeline: [entry] })).toBe(true)
    expect(isIncidentDetailDto({ ...incident, timeline: [{ ...entry, at: 3 }] })).toBe(false)
    expect(isIncidentDetailDto(incident)).toBe(false)
    expect(isIncidentEscalatedDto({ incident, action: 'realert_area', step: 1, areaId: 'area-1' })).toBe(true)
    expect(isIncidentEscalatedDto({ incident: { ...incident, priority: 'P0' }, action: 'realert_area', step: 1, areaId: 'area-1' })).toBe(false)
  })
})

describe('device DTOs', () => {
  it('admits a device:status event and drops one whose online flag is not a boolean', () => {
    expect(isDeviceStatusDto({ id: 'dev-1', online: false, battery: 9, lastSeenAt: '2026-01-01T09:00:00.000Z' })).toBe(true)
    expect(isDeviceStatusDto({ id: 'dev-1', online: true, battery: null, lastSeenAt: null })).toBe(true)
    expect(isDeviceStatusDto({ id: 'dev-1', online: 'yes', battery: null, lastSeenAt: null })).toBe(false)
    expect(isDeviceStatusDto({ id: 'dev-1', online: true, battery: 140, lastSeenAt: null })).toBe(false)
  })

  it('admits a device of GET /api/devices', () => {
    const device = { id: 'dev-1', type: 'fall_detector', siteId: 's-1', residentId: null, parentId: null, online: true, lastSeenAt: null, battery: 80, rssi: -60, fw: '1.2.0', createdAt: '2026-01-01T09:00:00.000Z' }
    expect(isDeviceDto(device)).toBe(true)
    expect(isDeviceDto({ ...device, siteId: null })).toBe(false)
  })
})

describe('resident and session DTOs', () => {
  const resident = {
    id: 'r1', name: '王秀英', siteId: 's1', siteName: '幸福里', birthDate: '1939-05-01', phone: '*******1234',
    capacityLevel: 3, livesAlone: true, conditions: ['高血压'], contacts: [{ name: '王强', phone: '*******5678', relation: '儿子' }],
    medications: [], allergies: [], accessNotes: null, hasKeySafeCode: false, sex: 'F', capacityName: '重度失能'
  }

  it('admits a resident with masked data and drops a capacity level outside GB/T 42195 0–4', () => {
    expect(isResidentDto(resident)).toBe(true)
    expect(isResidentDto({ ...resident, capacityLevel: 7 })).toBe(false)
    expect(isResidentDto({ ...resident, birthDate: '1 May 1939' })).toBe(false)
    expect(isResidentDto({ ...resident, contacts: [{ name: '王强' }] })).toBe(false)
  })

  it('admits a login answer and drops one without a token', () => {
    const login = { token: 't', expiresAt: '2026-01-01T20:00:00.000Z', user: { id: 'u1', username: 'op', role: 'operator', areaId: 'a1' } }
    expect(isLoginResponse(login)).toBe(true)
    expect(isLoginResponse({ ...login, token: undefined })).toBe(false)
    expect(isLoginResponse({ ...login, user: { ...login.user, role: 'root' } })).toBe(false)
  })
})

describe('alarm types', () => {
  it('lists every incident type once: device alarms [P-3.2], call requests [P-3.3], derived alarms, the platform\'s', () => {
    expect(new Set(ALARM_TYPES).size).toBe(ALARM_TYPES.length)
    expect(ALARM_TYPES).toEqual(expect.arrayContaining(['fall', 'sos', 'call_request', 'news2', 'device_offline', 'visit_follow_up']))
    expect(ALARM_TYPES).not.toContain('test')
    expect(ALARM_TYPES).not.toContain('cancel')
  })
})
