import { describe, expect, it } from 'vitest'
import { news2, news2ParameterScore, type News2Parameter } from '../src/index.ts'

// Every band boundary of the RCP 2017 NEWS2 chart: [value, expected score], both sides of each edge.
const CHART: Record<News2Parameter, Array<[number, number]>> = {
  rr: [[4, 3], [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3], [60, 3]],
  spo2: [[50, 3], [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0]],
  sbp: [[50, 3], [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3], [260, 3]],
  hr: [[20, 3], [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3], [250, 3]],
  temp: [[30, 3], [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [43, 2]]
}

describe('NEWS2 (RCP 2017) parameter scores at every band boundary', () => {
  for (const [param, rows] of Object.entries(CHART) as Array<[News2Parameter, Array<[number, number]>]>) {
    for (const [value, score] of rows) {
      it(`${param} ${value} scores ${score}`, () => expect(news2ParameterScore(param, value)).toBe(score))
    }
  }

  it('reads device values as the chart does: whole numbers, temperature to one decimal', () => {
    expect(news2ParameterScore('hr', 90.4)).toBe(0)
    expect(news2ParameterScore('hr', 90.5)).toBe(1)
    expect(news2ParameterScore('temp', 38.04)).toBe(0)
    expect(news2ParameterScore('temp', 38.06)).toBe(1)
  })
})

describe('NEWS2 aggregate and severity', () => {
  const normal = { rr: 16, spo2: 97, sbp: 130, hr: 72, temp: 36.8 }

  it('scores normal vitals 0, low risk, no alarm', () => {
    expect(news2(normal)).toMatchObject({ score: 0, risk: 'low', severity: null, missing: [] })
  })

  it('aggregate 4 without a single 3 is low risk and raises nothing', () => {
    // rr 21 → 2, hr 111 → 2
    expect(news2({ ...normal, rr: 21, hr: 111 })).toMatchObject({ score: 4, risk: 'low', severity: null })
  })

  it('any single parameter scoring 3 is low-medium → medium severity', () => {
    expect(news2({ ...normal, spo2: 91 })).toMatchObject({ score: 3, risk: 'low-medium', severity: 'medium' })
  })

  it('aggregate 5 and 6 are medium', () => {
    expect(news2({ ...normal, rr: 21, hr: 111, temp: 38.1 })).toMatchObject({ score: 5, risk: 'medium', severity: 'medium' })
    expect(news2({ ...normal, rr: 21, hr: 111, spo2: 93 })).toMatchObject({ score: 6, risk: 'medium', severity: 'medium' })
  })

  it('aggregate 7 and above is high', () => {
    const r = news2({ rr: 25, spo2: 93, sbp: 101, hr: 111, temp: 36.8 })
    expect(r).toMatchObject({ score: 8, risk: 'high', severity: 'high' })
    expect(r.parameters).toEqual({ rr: { value: 25, score: 3 }, spo2: { value: 93, score: 2 }, sbp: { value: 101, score: 1 }, hr: { value: 111, score: 2 }, temp: { value: 36.8, score: 0 } })
    expect(news2({ rr: 24, spo2: 93, sbp: 101, hr: 111, temp: 36.8 })).toMatchObject({ score: 7, severity: 'high' })
  })

  it('leaves out and lists what was not measured (consciousness is always scored as alert)', () => {
    const r = news2({ hr: 131, spo2: 96 })
    expect(r).toMatchObject({ score: 3, missing: ['rr', 'sbp', 'temp'], severity: 'medium' })
  })
})
