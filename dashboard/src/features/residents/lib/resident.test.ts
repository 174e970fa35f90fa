import { describe, expect, it, vi } from 'vitest'
import { toResident } from '../../../lib/registry/resident.ts'
import { aResident } from '../../../testing/registry-fixtures.ts'
import { ageFrom, matchesSearch } from './resident.ts'

const resident = aResident({
  id: 'r1', name: '王秀英', siteId: 's1', siteName: '幸福里 3 号楼', birthDate: '1940-02-03', phone: '*******1234',
  capacityLevel: 2, livesAlone: true, conditions: ['高血压', '糖尿病'], contacts: [{ name: '王强', phone: '*******5678', relation: '儿子' }]
})

describe('resident rules', () => {
  it('counts age in whole calendar years, the birthday itself included', () => {
    expect(ageFrom('1940-02-03', new Date(2026, 1, 2))).toBe(85)
    expect(ageFrom('1940-02-03', new Date(2026, 1, 3))).toBe(86)
    expect(ageFrom(null)).toBeNull()
    expect(ageFrom('03/02/1940')).toBeNull()
  })

  it('finds a resident by name, site, condition or the visible phone digits', () => {
    expect(matchesSearch(resident, '秀英')).toBe(true)
    expect(matchesSearch(resident, '幸福里')).toBe(true)
    expect(matchesSearch(resident, '糖尿')).toBe(true)
    expect(matchesSearch(resident, '5678')).toBe(true)
    expect(matchesSearch(resident, '李')).toBe(false)
    expect(matchesSearch(resident, '  ')).toBe(true)
  })

  it('admits a resident only when it keeps the contract (ResidentDto), logging each it drops', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(toResident(resident)).toBe(resident)
    expect(toResident({ name: 'x' })).toBeNull()
    expect(toResident(aResident({ capacityLevel: 7 }))).toBeNull() // GB/T 42195 levels are 0–4
    expect(toResident({ ...aResident(), contacts: [{ name: 'a' }, { name: 'b', phone: '1' }] })).toBeNull()
    expect(warn).toHaveBeenCalledTimes(3)
    expect(String(warn.mock.calls[1]?.[0])).toContain('/capacityLevel')
  })
})
