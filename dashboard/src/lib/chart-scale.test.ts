import { describe, expect, it } from 'vitest'
import { linearScale, linePath, paddedExtent } from './chart-scale.ts'

describe('chart geometry', () => {
  it('maps a domain onto a range linearly, including an inverted range (SVG y grows downwards)', () => {
    const y = linearScale(0, 100, 200, 0)
    expect(y(0)).toBe(200)
    expect(y(25)).toBe(150)
    expect(y(100)).toBe(0)
    expect(linearScale(5, 5, 0, 10)(5)).toBe(5)
  })

  it('pads the extent by a tenth each side and includes the band', () => {
    expect(paddedExtent([{ t: 0, value: 60 }, { t: 1, value: 80, low: 50, high: 90 }])).toEqual([46, 94])
    expect(paddedExtent([{ t: 0, value: 70 }])).toEqual([63, 77])
    expect(paddedExtent([])).toBeNull()
  })

  it('keeps the headroom inside the quantity\'s limits (SpO2 never above 100 %)', () => {
    expect(paddedExtent([{ t: 0, value: 97, low: 94, high: 100 }], [50, 100])).toEqual([94 - 0.6, 100])
    expect(paddedExtent([{ t: 0, value: 20 }], [20, 250])).toEqual([20, 22])
  })

  it('breaks the line where readings are missing for longer than the gap', () => {
    const points = [{ t: 0, value: 1 }, { t: 60, value: 2 }, { t: 600, value: 3 }]
    expect(linePath(points, (t) => t, (v) => v, 120)).toBe('M0.0,1.0L60.0,2.0M600.0,3.0')
  })
})
