/**
 * The capacity assessment of older adults, GB/T 42195-2022 (老年人能力评估规范), as pure code:
 * the form (26 items in the standard's four first-level indicators, appendix B), the totals,
 * the level 0–4 from the standard's bands (table 2) and its level-change rules (appendix C.4),
 * and when the next assessment is due. The platform stores what an assessor recorded and calls
 * these; the console draws the same form; nothing here does I/O.
 */

/** The four first-level indicators (一级指标), in the standard's order B.1 … B.4. */
export const ASSESSMENT_INDICATORS = [
  { key: 'selfCare', code: 'B.1', nameZh: '自理能力', nameEn: 'Self-care', max: 32 },
  { key: 'motor', code: 'B.2', nameZh: '基础运动能力', nameEn: 'Basic motor ability', max: 15 },
  { key: 'mental', code: 'B.3', nameZh: '精神状态', nameEn: 'Mental state', max: 28 },
  { key: 'perception', code: 'B.4', nameZh: '感知觉与社会参与', nameEn: 'Perception & social participation', max: 15 }
] as const

export type AssessmentIndicator = typeof ASSESSMENT_INDICATORS[number]['key']

export interface AssessmentItem {
  /** the key used in `scores` */
  key: string
  /** the standard's clause, e.g. B.1.1 */
  code: string
  indicator: AssessmentIndicator
  nameZh: string
  nameEn: string
  min: 0
  max: number
  /** one short description per score, highest first (summaries, not the standard's wording) */
  options: Array<{ score: number, labelZh: string }>
}

/** The usual five-step help scale shared by most self-care and motor items. */
function helpScale (): AssessmentItem['options'] {
  return [
    { score: 4, labelZh: '独立完成' },
    { score: 3, labelZh: '需指导或提示' },
    { score: 2, labelZh: '需协助，以自身为主' },
    { score: 1, labelZh: '主要依靠协助，能配合' },
    { score: 0, labelZh: '完全依赖，不能配合' }
  ]
}

function fiveStep (labels: [string, string, string, string, string]): AssessmentItem['options'] {
  return labels.map((labelZh, i) => ({ score: 4 - i, labelZh }))
}

function item (key: string, code: string, indicator: AssessmentIndicator, nameZh: string, nameEn: string,
  options: AssessmentItem['options']): AssessmentItem {
  return { key, code, indicator, nameZh, nameEn, min: 0, max: Math.max(...options.map(o => o.score)), options }
}

/** Appendix B: 8 + 4 + 9 + 5 = 26 items, 90 points in all. */
export const ASSESSMENT_ITEMS: readonly AssessmentItem[] = [
  item('eating', 'B.1.1', 'selfCare', '进食', 'Eating', fiveStep(['独立进食，无呛咳', '需提示或用辅具', '少量协助，偶有呛咳', '大量协助，常有呛咳', '完全依赖或留置营养管'])),
  item('grooming', 'B.1.2', 'selfCare', '修饰', 'Grooming', helpScale()),
  item('bathing', 'B.1.3', 'selfCare', '洗澡', 'Bathing', helpScale()),
  item('upperDressing', 'B.1.4', 'selfCare', '穿/脱上衣', 'Upper-body dressing', helpScale()),
  item('lowerDressing', 'B.1.5', 'selfCare', '穿/脱裤子和鞋袜', 'Lower-body dressing', helpScale()),
  item('urination', 'B.1.6', 'selfCare', '小便控制', 'Bladder control', fiveStep(['控制正常', '夜间较差或自用尿垫', '偶有失禁或少量协助', '常失禁或大量协助', '完全失禁或留置导尿管'])),
  item('defecation', 'B.1.7', 'selfCare', '大便控制', 'Bowel control', fiveStep(['控制正常', '偶有便秘或失禁', '经常便秘或失禁', '大部分时间便秘或失禁', '完全失禁，依赖他人'])),
  item('toileting', 'B.1.8', 'selfCare', '如厕', 'Toileting', helpScale()),
  item('bedMobility', 'B.2.1', 'motor', '床上体位转移', 'Bed mobility', helpScale()),
  item('transfer', 'B.2.2', 'motor', '床椅转移', 'Bed–chair transfer', helpScale()),
  item('walking', 'B.2.3', 'motor', '平地行走', 'Walking on level ground', fiveStep(['独立行走约50米', '需监护或用助行器', '需少量扶持', '需大量扶持', '不能步行'])),
  item('stairs', 'B.2.4', 'motor', '上下楼梯', 'Stairs', [
    { score: 3, labelZh: '独立上下楼梯' }, { score: 2, labelZh: '需指导或提示' },
    { score: 1, labelZh: '需协助，以自身为主' }, { score: 0, labelZh: '主要或完全依赖协助' }
  ]),
  item('timeOrientation', 'B.3.1', 'mental', '时间定向', 'Orientation to time', fiveStep(['年月清楚', '年月日不能全分清', '只知季节或上下半年', '只知上下午或昼夜', '无时间观念'])),
  item('placeOrientation', 'B.3.2', 'mental', '空间定向', 'Orientation to place', fiveStep(['能单独外出', '不能单独外出，知道地址', '知道较多地址信息', '知道较少地址信息', '无空间观念'])),
  item('personOrientation', 'B.3.3', 'mental', '人物定向', 'Orientation to person', fiveStep(['认识同住者并知关系', '认识大部分同住者', '认识部分亲人或照护者', '只认识自己或极少数人', '不认识任何人'])),
  item('memory', 'B.3.4', 'mental', '记忆', 'Memory', fiveStep(['记忆正常', '轻度紊乱', '中度紊乱', '重度紊乱', '完全紊乱'])),
  item('comprehension', 'B.3.5', 'mental', '理解能力', 'Comprehension', fiveStep(['正常理解', '需增加时间', '理解有困难', '理解有严重困难', '完全不能理解'])),
  item('expression', 'B.3.6', 'mental', '表达能力', 'Expression', fiveStep(['正常表达', '需增加时间', '表达有困难', '表达有严重困难', '完全不能表达'])),
  item('aggression', 'B.3.7', 'mental', '攻击行为', 'Aggressive behaviour', [{ score: 1, labelZh: '未出现' }, { score: 0, labelZh: '近一个月出现过' }]),
  item('depression', 'B.3.8', 'mental', '抑郁症状', 'Depressive symptoms', [{ score: 1, labelZh: '未出现' }, { score: 0, labelZh: '近一个月出现过' }]),
  item('consciousness', 'B.3.9', 'mental', '意识水平', 'Level of consciousness', [
    { score: 2, labelZh: '神志清醒' }, { score: 1, labelZh: '嗜睡或意识模糊' }, { score: 0, labelZh: '昏睡或昏迷' }
  ]),
  item('vision', 'B.4.1', 'perception', '视力', 'Vision', [{ score: 2, labelZh: '正常' }, { score: 1, labelZh: '看不清标准字体' }, { score: 0, labelZh: '仅辨光影或失明' }]),
  item('hearing', 'B.4.2', 'perception', '听力', 'Hearing', [{ score: 2, labelZh: '正常' }, { score: 1, labelZh: '轻声或远处听不清' }, { score: 0, labelZh: '大声仅部分听见或失聪' }]),
  item('dailyAffairs', 'B.4.3', 'perception', '执行日常事务', 'Managing daily affairs', helpScale()),
  item('transport', 'B.4.4', 'perception', '使用交通工具外出', 'Going out by transport', [
    { score: 3, labelZh: '自行骑车或乘公共交通' }, { score: 2, labelZh: '只会自己乘出租车' },
    { score: 1, labelZh: '有人陪同可乘公共交通' }, { score: 0, labelZh: '需协助或不能外出' }
  ]),
  item('social', 'B.4.5', 'perception', '社会交往能力', 'Social interaction', fiveStep(['适应社会，待人恰当', '能适应单纯环境', '脱离社会，被动接触', '勉强与人接触', '不能与人交往']))
]

export const ASSESSMENT_MAX_TOTAL = 90

/** The five levels (table 2), index = level. */
export const CAPACITY_LEVEL_NAMES = [
  { level: 0, nameZh: '能力完好', nameEn: 'Intact', min: 90, max: 90 },
  { level: 1, nameZh: '能力轻度受损（轻度失能）', nameEn: 'Mildly impaired', min: 66, max: 89 },
  { level: 2, nameZh: '能力中度受损（中度失能）', nameEn: 'Moderately impaired', min: 46, max: 65 },
  { level: 3, nameZh: '能力重度受损（重度失能）', nameEn: 'Severely impaired', min: 30, max: 45 },
  { level: 4, nameZh: '能力完全丧失（完全失能）', nameEn: 'Complete loss', min: 0, max: 29 }
] as const

export type CapacityLevel = 0 | 1 | 2 | 3 | 4

/** Care-risk events counted by the level-change rule (C.4): within this many days before the assessment. */
export const CARE_RISK_WINDOW_DAYS = 30
/** …and at least this many of them raise the level by one. */
export const CARE_RISK_EVENTS_TO_RAISE = 2
/** Incident types that are care-risk events in the standard's sense (falls, wandering). */
export const CARE_RISK_INCIDENT_TYPES = ['fall', 'wander', 'geofence_exit'] as const

/** The level of a total score from the standard's bands (table 2). */
export function levelFromTotal (total: number): CapacityLevel {
  if (!Number.isInteger(total) || total < 0 || total > ASSESSMENT_MAX_TOTAL) throw new RangeError(`total must be an integer 0–${ASSESSMENT_MAX_TOTAL}, got ${total}`)
  const band = CAPACITY_LEVEL_NAMES.find(b => total >= b.min && total <= b.max)
  return band!.level
}

/** Each problem with a set of scores, as actionable messages; empty when the scores are complete and in range. */
export function assessmentScoreProblems (scores: Record<string, unknown>): string[] {
  const problems: string[] = []
  const known = new Set(ASSESSMENT_ITEMS.map(i => i.key))
  for (const key of Object.keys(scores)) if (!known.has(key)) problems.push(`scores.${key}: not an item of the GB/T 42195-2022 form (GET /api/assessment-form lists them)`)
  for (const it of ASSESSMENT_ITEMS) {
    const v = scores[it.key]
    if (v === undefined) problems.push(`scores.${it.key}: missing (${it.code} ${it.nameZh}, ${it.min}–${it.max})`)
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < it.min || v > it.max) problems.push(`scores.${it.key}: must be an integer ${it.min}–${it.max} (${it.code} ${it.nameZh}), got ${JSON.stringify(v)}`)
  }
  return problems
}

export interface AssessmentFacts {
  /** one score per item key; check with `assessmentScoreProblems` first */
  scores: Record<string, number>
  /** in a coma at the assessment: the level is 4 whatever the scores (C.4 a) */
  comatose?: boolean
  /** diagnosed dementia (F00–F03) or another mental and behavioural disorder (F04–F99) (C.4 b) */
  dementiaOrMentalDisorder?: boolean
  /** care-risk events (falls, wandering, choking, self-harm…) in the 30 days before the assessment (C.4 c) */
  careRiskEvents30d?: number
}

export interface AssessmentResult {
  indicatorTotals: Record<AssessmentIndicator, number>
  total: number
  /** the level from the bands alone (初步等级) */
  preliminaryLevel: CapacityLevel
  /** the level after the change rules (最终等级) */
  level: CapacityLevel
  /** why `level` differs from `preliminaryLevel`, in the standard's terms */
  changes: Array<'comatose' | 'dementia_or_mental_disorder' | 'repeated_care_risk_events'>
}

/**
 * Totals, preliminary level and final level. A coma sets level 4; otherwise any of the other
 * two rules raises the level by one (once, however many apply), never above 4.
 */
export function computeAssessment (facts: AssessmentFacts): AssessmentResult {
  const problems = assessmentScoreProblems(facts.scores)
  if (problems.length) throw new RangeError(problems.join('; '))
  const indicatorTotals = { selfCare: 0, motor: 0, mental: 0, perception: 0 }
  for (const it of ASSESSMENT_ITEMS) indicatorTotals[it.indicator] += facts.scores[it.key]
  const total = indicatorTotals.selfCare + indicatorTotals.motor + indicatorTotals.mental + indicatorTotals.perception
  const preliminaryLevel = levelFromTotal(total)
  const changes: AssessmentResult['changes'] = []
  let level: CapacityLevel = preliminaryLevel
  if (facts.comatose) {
    changes.push('comatose')
    level = 4
  } else {
    if (facts.dementiaOrMentalDisorder) changes.push('dementia_or_mental_disorder')
    if ((facts.careRiskEvents30d ?? 0) >= CARE_RISK_EVENTS_TO_RAISE) changes.push('repeated_care_risk_events')
    if (changes.length) level = Math.min(4, preliminaryLevel + 1) as CapacityLevel
  }
  return { indicatorTotals, total, preliminaryLevel, level, changes }
}

/** Care-risk events among `events` in the window of `CARE_RISK_WINDOW_DAYS` days ending at `at`. */
export function careRiskEventsBefore (at: Date, events: ReadonlyArray<{ type: string, at: string | Date }>): number {
  const end = at.getTime()
  const start = end - CARE_RISK_WINDOW_DAYS * 86_400_000
  const types: readonly string[] = CARE_RISK_INCIDENT_TYPES
  return events.filter(e => {
    const t = new Date(e.at).getTime()
    return types.includes(e.type) && t > start && t <= end
  }).length
}

/** Default interval between assessments: yearly. */
export const REASSESSMENT_INTERVAL_MONTHS = 12

/**
 * When the next assessment is due: `intervalMonths` after the last one, or right away when the
 * resident's condition changed since (the repeated-event rule met after the assessment would
 * change its level: an immediate assessment, 即时评估).
 */
export function reassessmentDue (assessedAt: Date, opts: { intervalMonths?: number, conditionChangedAt?: Date | null } = {}): Date {
  const due = new Date(assessedAt.getTime())
  due.setUTCMonth(due.getUTCMonth() + (opts.intervalMonths ?? REASSESSMENT_INTERVAL_MONTHS))
  if (opts.conditionChangedAt && opts.conditionChangedAt > assessedAt && opts.conditionChangedAt < due) return new Date(opts.conditionChangedAt.getTime())
  return due
}

/** What counts as a change of condition that brings the reassessment forward (即时评估). */
export type ConditionChangeKind = 'repeated_care_risk_events' | 'back_from_hospital' | 'marked'

export interface ConditionChange { at: Date, kind: ConditionChangeKind, reason: string }

export interface ConditionFacts {
  /** care-risk incidents (falls, wandering), false alarms left out; those up to 30 days before the assessment count toward the window */
  careRiskEvents: ReadonlyArray<{ type: string, at: string | Date }>
  /** the resident's status changes, in any order */
  statusChanges: ReadonlyArray<{ status: string, since: string | Date }>
  /** "condition changed" marks recorded by an operator or assessor, with their reason */
  marks: ReadonlyArray<{ at: string | Date, reason: string }>
}

/**
 * The first change of condition after the latest assessment (`assessedAt`), or null. A change is:
 * (a) a care-risk event after the assessment that makes CARE_RISK_EVENTS_TO_RAISE or more of them
 *     in the CARE_RISK_WINDOW_DAYS days ending at it — the repeated-event rule (C.4 c) tripping
 *     again, counted from the incident record as the level rule does;
 * (b) a return from hospital: a status `active` whose previous status was `in_hospital`, dated
 *     after the assessment;
 * (c) a "condition changed" mark dated after the assessment.
 * Never assessed: null (such a resident is overdue anyway). A newer assessment clears it, since
 * only what happened after the latest one counts.
 */
export function conditionChangeSince (assessedAt: Date | null, facts: ConditionFacts): ConditionChange | null {
  if (!assessedAt) return null
  const after = assessedAt.getTime()
  const found: ConditionChange[] = []
  const types: readonly string[] = CARE_RISK_INCIDENT_TYPES
  const events = facts.careRiskEvents.filter(e => types.includes(e.type)).map(e => new Date(e.at)).sort((a, b) => a.getTime() - b.getTime())
  for (const at of events) {
    if (at.getTime() <= after) continue
    const n = careRiskEventsBefore(at, facts.careRiskEvents)
    if (n >= CARE_RISK_EVENTS_TO_RAISE) {
      found.push({ at, kind: 'repeated_care_risk_events', reason: `${n} fall/wandering alarms within ${CARE_RISK_WINDOW_DAYS} days (latest ${at.toISOString().slice(0, 10)})` })
      break
    }
  }
  const statuses = facts.statusChanges.map(c => ({ status: c.status, since: new Date(c.since) })).sort((a, b) => a.since.getTime() - b.since.getTime())
  for (let i = 1; i < statuses.length; i++) {
    const c = statuses[i]
    if (c.status === 'active' && statuses[i - 1].status === 'in_hospital' && c.since.getTime() > after) {
      found.push({ at: c.since, kind: 'back_from_hospital', reason: `back from hospital on ${c.since.toISOString().slice(0, 10)}` })
      break
    }
  }
  for (const m of facts.marks) {
    const at = new Date(m.at)
    if (at.getTime() > after) found.push({ at, kind: 'marked', reason: m.reason })
  }
  found.sort((a, b) => a.at.getTime() - b.at.getTime())
  return found[0] ?? null
}

/** The form as `GET /api/assessment-form` answers it. */
export function assessmentForm () {
  return {
    standard: 'GB/T 42195-2022',
    maxTotal: ASSESSMENT_MAX_TOTAL,
    indicators: ASSESSMENT_INDICATORS,
    levels: CAPACITY_LEVEL_NAMES,
    careRisk: { windowDays: CARE_RISK_WINDOW_DAYS, eventsToRaise: CARE_RISK_EVENTS_TO_RAISE, incidentTypes: CARE_RISK_INCIDENT_TYPES },
    items: ASSESSMENT_ITEMS
  }
}
