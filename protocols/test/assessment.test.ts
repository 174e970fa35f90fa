import { describe, expect, it } from 'vitest'
import {
  ASSESSMENT_INDICATORS, ASSESSMENT_ITEMS, ASSESSMENT_MAX_TOTAL, assessmentScoreProblems, careRiskEventsBefore,
  computeAssessment, conditionChangeSince, levelFromTotal, reassessmentDue
} from '../src/index.ts'

/** Full marks, then take `minus` points off items in form order (never below an item's 0). */
function scoresWithTotal (total: number): Record<string, number> {
  const scores = Object.fromEntries(ASSESSMENT_ITEMS.map(i => [i.key, i.max]))
  let minus = ASSESSMENT_MAX_TOTAL - total
  for (const it of ASSESSMENT_ITEMS) {
    const take = Math.min(minus, it.max)
    scores[it.key] -= take
    minus -= take
  }
  return scores
}

describe('GB/T 42195-2022 form', () => {
  it('has 26 items in the four first-level indicators, 32 + 15 + 28 + 15 = 90 points', () => {
    expect(ASSESSMENT_ITEMS).toHaveLength(26)
    for (const ind of ASSESSMENT_INDICATORS) {
      const items = ASSESSMENT_ITEMS.filter(i => i.indicator === ind.key)
      expect(items.reduce((s, i) => s + i.max, 0), ind.nameZh).toBe(ind.max)
    }
    expect(ASSESSMENT_INDICATORS.reduce((s, i) => s + i.max, 0)).toBe(ASSESSMENT_MAX_TOTAL)
    expect(ASSESSMENT_ITEMS.filter(i => i.indicator === 'selfCare')).toHaveLength(8)
    expect(ASSESSMENT_ITEMS.filter(i => i.indicator === 'motor')).toHaveLength(4)
    expect(ASSESSMENT_ITEMS.filter(i => i.indicator === 'mental')).toHaveLength(9)
    expect(ASSESSMENT_ITEMS.filter(i => i.indicator === 'perception')).toHaveLength(5)
    expect(new Set(ASSESSMENT_ITEMS.map(i => i.key)).size).toBe(26)
  })

  it('offers one option per score from max down to 0 for every item', () => {
    for (const it of ASSESSMENT_ITEMS) expect(it.options.map(o => o.score), it.code).toEqual(Array.from({ length: it.max + 1 }, (_, i) => it.max - i))
  })

  it('names each problem with a set of scores', () => {
    const scores: Record<string, unknown> = { ...scoresWithTotal(90), eating: 5, nonsense: 1 }
    delete scores.memory
    const problems = assessmentScoreProblems(scores)
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining('scores.nonsense: not an item'),
      expect.stringContaining('scores.memory: missing'),
      expect.stringContaining('scores.eating: must be an integer 0–4')
    ]))
    expect(problems).toHaveLength(3)
    expect(assessmentScoreProblems({ ...scoresWithTotal(90), stairs: 1.5 })[0]).toContain('scores.stairs')
    expect(assessmentScoreProblems(scoresWithTotal(90))).toEqual([])
  })
})

describe('capacity level from the bands (table 2)', () => {
  const boundaries: Array<[number, number]> = [
    [90, 0], [89, 1], [66, 1], [65, 2], [46, 2], [45, 3], [30, 3], [29, 4], [0, 4]
  ]
  for (const [total, level] of boundaries) {
    it(`total ${total} → level ${level}`, () => {
      expect(levelFromTotal(total)).toBe(level)
      const r = computeAssessment({ scores: scoresWithTotal(total) })
      expect(r.total).toBe(total)
      expect(r.preliminaryLevel).toBe(level)
      expect(r.level).toBe(level)
      expect(r.changes).toEqual([])
    })
  }

  it('refuses a total outside 0–90', () => {
    expect(() => levelFromTotal(91)).toThrow(RangeError)
    expect(() => levelFromTotal(-1)).toThrow(RangeError)
  })

  it('sums each first-level indicator', () => {
    const r = computeAssessment({ scores: scoresWithTotal(80) })
    // the 10 points come off the first self-care items: eating 4 → 0, grooming 4 → 0, bathing 4 → 2
    expect(r.indicatorTotals).toEqual({ selfCare: 22, motor: 15, mental: 28, perception: 15 })
  })
})

describe('level-change rules (C.4)', () => {
  it('raises the level by one after 2 care-risk events in 30 days, not after 1', () => {
    expect(computeAssessment({ scores: scoresWithTotal(70), careRiskEvents30d: 1 }).level).toBe(1)
    const r = computeAssessment({ scores: scoresWithTotal(70), careRiskEvents30d: 2 })
    expect(r).toMatchObject({ preliminaryLevel: 1, level: 2, changes: ['repeated_care_risk_events'] })
  })

  it('raises once however many rules apply, and never above 4', () => {
    expect(computeAssessment({ scores: scoresWithTotal(70), careRiskEvents30d: 5, dementiaOrMentalDisorder: true }).level).toBe(2)
    expect(computeAssessment({ scores: scoresWithTotal(10), careRiskEvents30d: 3 }).level).toBe(4)
    expect(computeAssessment({ scores: scoresWithTotal(90), dementiaOrMentalDisorder: true }).level).toBe(1)
  })

  it('sets level 4 for a comatose resident whatever the scores', () => {
    expect(computeAssessment({ scores: scoresWithTotal(60), comatose: true })).toMatchObject({ preliminaryLevel: 2, level: 4, changes: ['comatose'] })
  })

  it('counts fall and wandering alarms in the 30 days before the assessment only', () => {
    const at = new Date('2026-05-31T10:00:00Z')
    const events = [
      { type: 'fall', at: '2026-05-01T10:00:01Z' }, // 29.99 days before: in
      { type: 'fall', at: '2026-05-01T10:00:00Z' }, // exactly 30 days before: out
      { type: 'wander', at: '2026-05-30T00:00:00Z' },
      { type: 'sos', at: '2026-05-30T00:00:00Z' }, // not a care-risk event
      { type: 'fall', at: '2026-06-01T00:00:00Z' } // after the assessment
    ]
    expect(careRiskEventsBefore(at, events)).toBe(2)
  })
})

describe('re-assessment due date', () => {
  it('is a year after the assessment by default', () => {
    expect(reassessmentDue(new Date('2026-03-15T09:00:00Z')).toISOString()).toBe('2027-03-15T09:00:00.000Z')
    expect(reassessmentDue(new Date('2026-03-15T09:00:00Z'), { intervalMonths: 6 }).toISOString()).toBe('2026-09-15T09:00:00.000Z')
  })

  it('is brought forward to the change of condition', () => {
    const changed = new Date('2026-05-01T00:00:00Z')
    expect(reassessmentDue(new Date('2026-03-15T09:00:00Z'), { conditionChangedAt: changed }).toISOString()).toBe(changed.toISOString())
    // a change before the assessment is already in it
    expect(reassessmentDue(new Date('2026-03-15T09:00:00Z'), { conditionChangedAt: new Date('2026-03-01T00:00:00Z') }).toISOString()).toBe('2027-03-15T09:00:00.000Z')
  })
})

describe('change of condition brings the reassessment forward', () => {
  const assessedAt = new Date('2026-03-15T09:00:00Z')
  const none = { careRiskEvents: [], statusChanges: [], marks: [] }

  it('nothing after the assessment, or never assessed: no change', () => {
    expect(conditionChangeSince(assessedAt, none)).toBeNull()
    expect(conditionChangeSince(null, { ...none, marks: [{ at: '2026-04-01T00:00:00Z', reason: '卧床' }] })).toBeNull()
  })

  it('(a) the repeated care-risk event rule trips: the 2nd fall/wandering alarm within 30 days after the assessment [C.4 c]', () => {
    // one fall after the assessment is not enough
    expect(conditionChangeSince(assessedAt, { ...none, careRiskEvents: [{ type: 'fall', at: '2026-04-01T08:00:00Z' }] })).toBeNull()
    // two 31 days apart are not repeated
    expect(conditionChangeSince(assessedAt, { ...none, careRiskEvents: [{ type: 'fall', at: '2026-04-01T08:00:00Z' }, { type: 'wander', at: '2026-05-02T08:00:00Z' }] })).toBeNull()
    // a call for help is not a care-risk event
    expect(conditionChangeSince(assessedAt, { ...none, careRiskEvents: [{ type: 'fall', at: '2026-04-01T08:00:00Z' }, { type: 'sos', at: '2026-04-02T08:00:00Z' }] })).toBeNull()
    const c = conditionChangeSince(assessedAt, { ...none, careRiskEvents: [{ type: 'wander', at: '2026-04-20T08:00:00Z' }, { type: 'fall', at: '2026-04-01T08:00:00Z' }] })
    expect(c).toEqual({ at: new Date('2026-04-20T08:00:00Z'), kind: 'repeated_care_risk_events', reason: '2 fall/wandering alarms within 30 days (latest 2026-04-20)' })
  })

  it('(a) a fall before the assessment counts toward the window; the tripping one must be after it', () => {
    const c = conditionChangeSince(assessedAt, { ...none, careRiskEvents: [{ type: 'fall', at: '2026-03-10T08:00:00Z' }, { type: 'fall', at: '2026-03-20T08:00:00Z' }] })
    expect(c?.at.toISOString()).toBe('2026-03-20T08:00:00.000Z')
    // both before the assessment: the assessment already took them into account
    expect(conditionChangeSince(assessedAt, { ...none, careRiskEvents: [{ type: 'fall', at: '2026-03-01T08:00:00Z' }, { type: 'fall', at: '2026-03-10T08:00:00Z' }] })).toBeNull()
  })

  it('(b) a return from hospital after the assessment; going into hospital, or a return before it, is not', () => {
    const statusChanges = [{ status: 'active', since: '2026-01-01T00:00:00Z' }, { status: 'in_hospital', since: '2026-04-01T00:00:00Z' }]
    expect(conditionChangeSince(assessedAt, { ...none, statusChanges })).toBeNull()
    const back = [...statusChanges, { status: 'active', since: '2026-04-10T00:00:00Z' }]
    expect(conditionChangeSince(assessedAt, { ...none, statusChanges: back })).toEqual({ at: new Date('2026-04-10T00:00:00Z'), kind: 'back_from_hospital', reason: 'back from hospital on 2026-04-10' })
    expect(conditionChangeSince(new Date('2026-04-11T00:00:00Z'), { ...none, statusChanges: back })).toBeNull()
    // moved out then back is not a return from hospital
    expect(conditionChangeSince(assessedAt, { ...none, statusChanges: [{ status: 'moved_out', since: '2026-04-01T00:00:00Z' }, { status: 'active', since: '2026-04-10T00:00:00Z' }] })).toBeNull()
  })

  it('(c) a mark after the assessment, with its reason; the earliest of all changes wins', () => {
    const c = conditionChangeSince(assessedAt, {
      careRiskEvents: [{ type: 'fall', at: '2026-05-01T08:00:00Z' }, { type: 'fall', at: '2026-05-03T08:00:00Z' }],
      statusChanges: [{ status: 'in_hospital', since: '2026-05-05T00:00:00Z' }, { status: 'active', since: '2026-05-20T00:00:00Z' }],
      marks: [{ at: '2026-03-01T00:00:00Z', reason: '旧的' }, { at: '2026-04-02T10:00:00Z', reason: '中风后行动不便' }]
    })
    expect(c).toEqual({ at: new Date('2026-04-02T10:00:00Z'), kind: 'marked', reason: '中风后行动不便' })
  })

  it('the due date is the earlier of the scheduled date and the change', () => {
    const change = conditionChangeSince(assessedAt, { ...none, marks: [{ at: '2026-04-02T10:00:00Z', reason: 'x' }] })
    expect(reassessmentDue(assessedAt, { conditionChangedAt: change?.at }).toISOString()).toBe('2026-04-02T10:00:00.000Z')
  })
})
