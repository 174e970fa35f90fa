import { describe, expect, it } from 'vitest'
import {
  DEFAULT_VISIT_RULES, addCoverage, addPopulationCounts, ageBand, monthBounds, populationCounts, quarterOf, residentGroups, statusOn, visitCoverage, visitedInMonth,
  type SupervisedResident, type VisitRecord
} from '../src/index.ts'

const active = (since = '2020-01-01') => ({ status: 'active' as const, since })
function resident (id: string, over: Partial<SupervisedResident> = {}): SupervisedResident {
  return { id, groups: ['lives_alone'], capacityLevel: null, birthDate: '1945-06-01', statusHistory: [active()], ...over }
}

describe('status through time', () => {
  const history = [active('2024-01-01'), { status: 'in_hospital' as const, since: '2026-05-10T08:00:00Z' }, { status: 'active' as const, since: '2026-05-20' }, { status: 'deceased' as const, since: '2026-06-03' }]
  it('answers the status on each date from the history', () => {
    expect(statusOn(history, '2023-12-31')).toBeNull()
    expect(statusOn(history, '2026-05-09')).toBe('active')
    expect(statusOn(history, '2026-05-10')).toBe('in_hospital')
    expect(statusOn(history, '2026-05-31')).toBe('active')
    expect(statusOn(history, '2026-06-03')).toBe('deceased')
  })
})

describe('groups', () => {
  it('keeps each group its own flag and derives 失能 from capacity level ≥ 2', () => {
    expect(residentGroups({ groups: ['lives_alone', 'special_difficulty'], capacityLevel: 1 })).toEqual(['lives_alone', 'special_difficulty'])
    expect(residentGroups({ groups: ['empty_nest', 'disabled'], capacityLevel: 2 })).toEqual(['empty_nest', 'disabled'])
    expect(residentGroups({ groups: [], capacityLevel: 3 }, 4)).toEqual([])
  })
})

describe('monthly visit coverage', () => {
  const month = '2026-05'
  const residents = [
    resident('visited-home'),
    resident('not-visited'),
    resident('died-after-visit', { statusHistory: [active(), { status: 'deceased', since: '2026-05-15' }] }),
    resident('died-unvisited', { statusHistory: [active(), { status: 'deceased', since: '2026-05-15' }] }),
    resident('moved-out-unvisited', { statusHistory: [active(), { status: 'moved_out', since: '2026-05-02' }] }),
    resident('visited-after-death', { statusHistory: [active(), { status: 'deceased', since: '2026-05-10' }] }),
    resident('phoned-only'),
    resident('hospital-all-month', { statusHistory: [active(), { status: 'in_hospital', since: '2026-04-20' }] }),
    resident('left-before-month', { statusHistory: [active(), { status: 'moved_out', since: '2026-04-30' }] }),
    resident('arrived-mid-month', { statusHistory: [active('2026-05-20')] }),
    resident('not-eligible', { groups: [] }),
    resident('disabled-by-level', { groups: [], capacityLevel: 3 })
  ]
  const visits: VisitRecord[] = [
    { residentId: 'visited-home', visitedAt: '2026-05-03T10:00:00Z', method: 'home' },
    { residentId: 'died-after-visit', visitedAt: '2026-05-08T10:00:00Z', method: 'home' },
    { residentId: 'visited-after-death', visitedAt: '2026-05-12T10:00:00Z', method: 'home' },
    { residentId: 'phoned-only', visitedAt: '2026-05-12T10:00:00Z', method: 'phone' },
    { residentId: 'not-visited', visitedAt: '2026-04-30T10:00:00Z', method: 'home' }, // last month
    { residentId: 'not-eligible', visitedAt: '2026-05-12T10:00:00Z', method: 'home' }
  ]

  it('counts every eligible resident active in the month; leaving after a visit is covered, without one excused', () => {
    const r = visitCoverage(month, residents, visits)
    expect(r.missing.sort()).toEqual(['arrived-mid-month', 'disabled-by-level', 'not-visited'])
    expect(r.due).toBe(6) // visited-home, died-after-visit, phoned-only + the three missing
    expect(r.visited).toBe(3)
    expect(r.rate).toBeCloseTo(0.5)
    expect(r.excused).toEqual(expect.arrayContaining([
      { id: 'died-unvisited', reason: 'left_unvisited' },
      { id: 'moved-out-unvisited', reason: 'left_unvisited' },
      { id: 'visited-after-death', reason: 'left_unvisited' }
    ]))
    expect(r.excused).toHaveLength(3) // in hospital all month and left before it: not in the month at all
  })

  it('counts only the methods the area counts', () => {
    const homeOnly = visitCoverage(month, residents, visits, { ...DEFAULT_VISIT_RULES, countingMethods: ['home'] })
    expect(homeOnly.missing).toContain('phoned-only')
    expect(homeOnly.visited).toBe(2)
    expect(homeOnly.due).toBe(6)
  })

  it('follows the area\'s eligible groups', () => {
    const r = visitCoverage(month, residents, visits, { ...DEFAULT_VISIT_RULES, eligibleGroups: ['disabled'] })
    expect(r).toMatchObject({ due: 1, visited: 0, missing: ['disabled-by-level'] })
  })

  it('refuses a malformed month', () => {
    expect(() => monthBounds('2026-13')).toThrow(/YYYY-MM/)
    expect(monthBounds('2024-02')).toEqual({ first: '2024-02-01', last: '2024-02-29' })
  })
})

describe('population counts', () => {
  it('age bands at their edges', () => {
    expect(ageBand('1966-06-01', '2026-05-31')).toBe('under60')
    expect(ageBand('1966-06-01', '2026-06-01')).toBe('60-69')
    expect(ageBand('1956-06-01', '2026-06-01')).toBe('70-79')
    expect(ageBand('1937-01-01', '2026-06-01')).toBe('80-89')
    expect(ageBand('1936-06-01', '2026-06-01')).toBe('90+')
    expect(ageBand(null, '2026-06-01')).toBe('unknown')
  })

  it('matches a data set counted by hand, using the status on the date', () => {
    const rs = [
      resident('a', { birthDate: '1950-01-01', groups: ['lives_alone'], capacityLevel: 0 }),
      resident('b', { birthDate: '1940-01-01', groups: ['lives_alone', 'severely_handicapped'], capacityLevel: 3 }),
      resident('c', { birthDate: '1930-01-01', groups: ['empty_nest'], capacityLevel: 2, statusHistory: [active(), { status: 'in_hospital', since: '2026-05-01' }] }),
      resident('d', { birthDate: '1955-01-01', groups: ['left_behind'], statusHistory: [active(), { status: 'deceased', since: '2026-05-20' }] }),
      resident('e', { birthDate: '1960-01-01', groups: [], statusHistory: [active(), { status: 'moved_out', since: '2026-06-02' }] }),
      resident('f', { birthDate: '1935-01-01', groups: ['family_planning_special'], capacityLevel: 4, statusHistory: [active('2026-07-01')] })
    ]
    // On 2026-06-01: a, b active; c in hospital; d deceased; e still active; f not yet registered.
    const p = populationCounts('2026-06-01', rs)
    expect(p.total).toBe(5)
    expect(p.byStatus).toEqual({ active: 3, in_hospital: 1, moved_out: 0, deceased: 1 })
    expect(p.current).toBe(4)
    expect(p.byGroup).toEqual({ lives_alone: 2, empty_nest: 1, left_behind: 0, disabled: 2, severely_handicapped: 1, special_difficulty: 0, family_planning_special: 0 })
    expect(p.byAgeBand).toEqual({ '60-69': 1, '70-79': 1, '80-89': 1, '90+': 1, under60: 0, unknown: 0 })
    expect(p.byCapacityLevel).toEqual({ 0: 1, 1: 0, 2: 1, 3: 1, 4: 0, unassessed: 1 })
    // A month later e has moved out and f arrived.
    const q = populationCounts('2026-07-01', rs)
    expect(q.byStatus).toEqual({ active: 3, in_hospital: 1, moved_out: 1, deceased: 1 })
    expect(q.byGroup.family_planning_special).toBe(1)
  })
})

describe('a home visit each quarter, where the area requires it (issue 16)', () => {
  const rules = { ...DEFAULT_VISIT_RULES, countingMethods: ['phone', 'video_call'] as VisitRecord['method'][], homeVisitEachQuarter: true }
  const people = ['home-in-april', 'phone-only', 'home-in-june', 'home-in-hospital', 'home-last-quarter'].map((id) => resident(id))
  people[3] = resident('home-in-hospital', { statusHistory: [active(), { status: 'in_hospital', since: '2026-04-01' }, { status: 'active', since: '2026-04-20' }] })
  const v = (residentId: string, visitedAt: string, method: VisitRecord['method']): VisitRecord => ({ residentId, visitedAt, method })
  const visits: VisitRecord[] = [
    v('home-in-april', '2026-04-10T09:00:00Z', 'home'),
    v('home-in-hospital', '2026-04-10T09:00:00Z', 'home'), // while in hospital: not a home visit
    v('home-last-quarter', '2026-03-30T09:00:00Z', 'home'), // the quarter before
    ...people.map((r) => v(r.id, '2026-05-12T09:00:00Z', 'phone')),
    ...people.map((r) => v(r.id, '2026-06-12T09:00:00Z', 'phone')),
    v('home-in-june', '2026-06-20T09:00:00Z', 'home')
  ]

  it('quarters: first day and whether the month closes it', () => {
    expect(quarterOf('2026-04')).toEqual({ first: '2026-04-01', closes: false })
    expect(quarterOf('2026-06')).toEqual({ first: '2026-04-01', closes: true })
    expect(quarterOf('2026-12')).toEqual({ first: '2026-10-01', closes: true })
    expect(() => quarterOf('2026-00')).toThrow(/YYYY-MM/)
  })

  it('in the quarter\'s first two months the monthly methods alone count', () => {
    const may = visitCoverage('2026-05', people, visits, rules)
    expect(may).toMatchObject({ due: 5, visited: 5, missing: [] })
  })

  it('in its last month only residents with a home visit (while at home) in the quarter are covered', () => {
    const june = visitCoverage('2026-06', people, visits, rules)
    expect(june).toMatchObject({ due: 5, visited: 2 })
    expect(june.missing.sort()).toEqual(['home-in-hospital', 'home-last-quarter', 'phone-only'])
    // the home visit does not replace the month's counting visit: home is not a counting method here
    expect([...visitedInMonth('2026-06', people, visits.filter((x) => !x.visitedAt.startsWith('2026-06-12')), rules).keys()]).toEqual([])
    // without the rule the phone calls cover everyone
    expect(visitCoverage('2026-06', people, visits, { ...rules, homeVisitEachQuarter: false })).toMatchObject({ visited: 5, missing: [] })
  })

  it('a home visit that counts covers both the month and the quarter', () => {
    const withHome = { ...rules, countingMethods: ['home', 'phone'] as VisitRecord['method'][] }
    const only = [v('home-in-june', '2026-06-20T09:00:00Z', 'home')]
    expect(visitCoverage('2026-06', [resident('home-in-june')], only, withHome)).toMatchObject({ due: 1, visited: 1 })
  })
})

describe('counts over parts of the residents, added up (the platform counts a page per turn)', () => {
  // a varied population: statuses changing in the month, groups, levels, ages, visits by several methods
  const statuses = ['active', 'in_hospital', 'deceased', 'moved_out'] as const
  const residents: SupervisedResident[] = Array.from({ length: 257 }, (_, i) => resident(`r${i}`, {
    groups: [(['lives_alone', 'empty_nest', 'left_behind'] as const)[i % 3], ...(i % 7 === 0 ? ['special_difficulty' as const] : [])],
    capacityLevel: i % 6 === 5 ? null : i % 5,
    birthDate: i % 11 === 0 ? null : `19${30 + (i % 40)}-0${1 + (i % 9)}-15`,
    statusHistory: i % 4 === 0 ? [active('2024-01-01'), { status: statuses[i % 4 === 0 ? 1 + (i % 3) : 0], since: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}` }] : [active(i % 9 === 0 ? '2026-05-20' : '2024-01-01')]
  }))
  const visits: VisitRecord[] = residents.flatMap((r, i) => i % 3 === 0 ? [] : [
    { residentId: r.id, visitedAt: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}`, method: (['home', 'phone', 'video_call'] as const)[i % 3] },
    ...(i % 5 === 0 ? [{ residentId: r.id, visitedAt: '2026-04-10', method: 'home' as const }] : [])
  ])
  const parts = (size: number) => Array.from({ length: Math.ceil(residents.length / size) }, (_, k) => residents.slice(k * size, (k + 1) * size))
  const visitsOf = (page: readonly SupervisedResident[]) => visits.filter((v) => page.some((r) => r.id === v.residentId))

  for (const size of [1, 10, 100, 256]) {
    it(`pages of ${size}: the population and the coverage as counted in one go`, () => {
      expect(parts(size).map((p) => populationCounts('2026-05-31', p)).reduce(addPopulationCounts)).toEqual(populationCounts('2026-05-31', residents))
      for (const rules of [DEFAULT_VISIT_RULES, { ...DEFAULT_VISIT_RULES, homeVisitEachQuarter: true }]) {
        expect(parts(size).map((p) => visitCoverage('2026-06', p, visitsOf(p), rules)).reduce(addCoverage)).toEqual(visitCoverage('2026-06', residents, visits, rules))
        expect(parts(size).map((p) => visitCoverage('2026-05', p, visitsOf(p), rules)).reduce(addCoverage)).toEqual(visitCoverage('2026-05', residents, visits, rules))
      }
    })
  }

  it('the data set has something in every count that is added', () => {
    const whole = visitCoverage('2026-05', residents, visits)
    expect(whole.due).toBeGreaterThan(50)
    expect(whole.visited).toBeGreaterThan(20)
    expect(whole.missing.length).toBeGreaterThan(10)
    expect(whole.excused.length).toBeGreaterThan(0)
    const pop = populationCounts('2026-05-31', residents)
    expect(pop.current).toBeLessThan(pop.total)
    expect(pop.byCapacityLevel.unassessed).toBeGreaterThan(0)
    expect(pop.byAgeBand.unknown).toBeGreaterThan(0)
  })
})
