import { describe, expect, it } from 'vitest'
import { distanceM } from '@eldercare/protocols'
import { offset, positionAt, wanderPosition } from '../src/movement.ts'

const HOME = { lat: 39.915, lng: 116.404 }
const CYCLE = 3600_000
const at = (f: number) => positionAt(f * CYCLE, { home: HOME, cycleMs: CYCLE })

describe('simulated movement (issue 15)', () => {
  it('offset moves the given metres along the bearing', () => {
    expect(distanceM(HOME, offset(HOME, 1000, 0))).toBeCloseTo(1000, -1)
    expect(distanceM(HOME, offset(HOME, 1000, 90))).toBeCloseTo(1000, -1)
    expect(offset(HOME, 1000, 0).lat).toBeGreaterThan(HOME.lat)
  })

  it('stays home, walks a loop around it, goes to the market and back', () => {
    expect(at(0.1)).toMatchObject({ activity: 'home' })
    expect(distanceM(HOME, at(0.1))).toBeLessThan(10)
    const walk = at(0.55)
    expect(walk.activity).toBe('walk')
    expect(distanceM(HOME, walk)).toBeGreaterThan(140)
    expect(distanceM(HOME, walk)).toBeLessThan(160)
    expect(at(0.75).activity).toBe('market')
    expect(distanceM(HOME, at(0.75))).toBeGreaterThan(890)
    expect(distanceM(HOME, at(0.75))).toBeLessThan(910)
    const halfway = at(0.835)
    expect(halfway.activity).toBe('from_market')
    expect(distanceM(HOME, halfway)).toBeGreaterThan(300)
    expect(distanceM(HOME, halfway)).toBeLessThan(600)
    expect(distanceM(HOME, at(0.95))).toBeLessThan(10)
  })

  it('a wanderer leaves any 500 m zone within two steps', () => {
    expect(distanceM(HOME, wanderPosition(HOME, 2))).toBeGreaterThan(500)
    expect(distanceM(HOME, wanderPosition(HOME, 5))).toBeGreaterThan(1400)
  })
})
