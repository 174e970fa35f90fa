import { describe, expect, it } from 'vitest'
import { contrastRatio, luminance, parseHex } from './contrast.ts'

describe('WCAG contrast ratio', () => {
  it('is 21:1 for black on white and 1:1 for a colour on itself', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#1a5fd0', '#1a5fd0')).toBeCloseTo(1, 5)
  })

  it('does not depend on the order of the colours', () => {
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(contrastRatio('#ffffff', '#777777'), 10)
  })

  it('matches published reference values (#777 on white is 4.48:1)', () => {
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
    expect(luminance('#ffffff')).toBeCloseTo(1, 10)
  })

  it('reads short and long hex, and refuses anything else', () => {
    expect(parseHex('#fff')).toEqual([255, 255, 255])
    expect(parseHex('1a5fd0')).toEqual([26, 95, 208])
    expect(() => parseHex('rgb(0,0,0)')).toThrow(/not a hex colour/)
  })
})
