import { describe, expect, it } from 'vitest'
import { isTimeZone, lastDayOf, localDate, monthBounds, monthOf } from '../src/lib/local-time.ts'

describe('local calendar (service time zone)', () => {
  it('puts 07:30 on the 1st in Beijing in that month, though UTC is still the day before', () => {
    const at = Date.parse('2026-11-30T23:30:00Z') // 2026-12-01 07:30 in Asia/Shanghai
    expect(localDate(at, 'Asia/Shanghai')).toBe('2026-12-01')
    expect(monthOf(at, 'Asia/Shanghai')).toBe('2026-12')
    expect(monthOf(at, 'UTC')).toBe('2026-11')
  })

  it('bounds a month at local midnights', () => {
    expect(monthBounds('2026-12', 'Asia/Shanghai')).toEqual({ start: new Date('2026-11-30T16:00:00Z'), end: new Date('2026-12-31T16:00:00Z') })
    expect(monthBounds('2026-12', 'UTC')).toEqual({ start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') })
  })

  it('follows daylight saving where a zone has it', () => {
    // Europe/Berlin: CET (+01:00) in March before the change on the 29th, CEST (+02:00) in April
    expect(monthBounds('2026-04', 'Europe/Berlin').start).toEqual(new Date('2026-03-31T22:00:00Z'))
    expect(monthBounds('2026-03', 'Europe/Berlin').start).toEqual(new Date('2026-02-28T23:00:00Z'))
  })

  it('knows the last day of a month and a real zone from a made-up one', () => {
    expect([lastDayOf('2028-02'), lastDayOf('2026-02'), lastDayOf('2026-12')]).toEqual(['2028-02-29', '2026-02-28', '2026-12-31'])
    expect(isTimeZone('Asia/Shanghai')).toBe(true)
    expect(isTimeZone('Mars/Olympus')).toBe(false)
  })
})
