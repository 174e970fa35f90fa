/**
 * What the civil-affairs bureau is measured on, as pure code (issue 16): the plans' resident
 * groups, a resident's status through time, which visits count, monthly visit coverage and the
 * population counts. The platform loads rows and calls these, so the console, the statement and
 * the tests all count the same way.
 */

/**
 * The plans' groups, each its own flag (not merged): 独居, 空巢, 留守, 失能 (from the capacity
 * assessment, see `isDisabled`), 重残, 特困/低保, 计划生育特殊家庭.
 */
export const RESIDENT_GROUPS = [
  { key: 'lives_alone', nameZh: '独居', nameEn: 'Living alone' },
  { key: 'empty_nest', nameZh: '空巢', nameEn: 'Empty-nest' },
  { key: 'left_behind', nameZh: '留守', nameEn: 'Left-behind' },
  { key: 'disabled', nameZh: '失能', nameEn: 'Disabled (assessment)' },
  { key: 'severely_handicapped', nameZh: '重残', nameEn: 'Severely handicapped' },
  { key: 'special_difficulty', nameZh: '特困/低保', nameEn: 'Special-difficulty family' },
  { key: 'family_planning_special', nameZh: '计划生育特殊家庭', nameEn: 'Family-planning special family' }
] as const
export type ResidentGroup = typeof RESIDENT_GROUPS[number]['key']
/** The groups recorded by hand; `disabled` follows the assessment. */
export const RECORDED_GROUPS = RESIDENT_GROUPS.map(g => g.key).filter((k): k is Exclude<ResidentGroup, 'disabled'> => k !== 'disabled')

/**
 * 失能 from the assessment: 中度失能 and above (level ≥ 2), the threshold the plans' subsidies and
 * visit duties use; an area may set another one.
 */
export const DISABLED_FROM_LEVEL = 2
export function isDisabled (capacityLevel: number | null | undefined, fromLevel = DISABLED_FROM_LEVEL): boolean {
  return capacityLevel != null && capacityLevel >= fromLevel
}

/** in_hospital: alarms still handled, visits paused. */
export const RESIDENT_STATUSES = ['active', 'in_hospital', 'moved_out', 'deceased'] as const
export type ResidentStatus = typeof RESIDENT_STATUSES[number]

export interface StatusChange { status: ResidentStatus, since: string }

/**
 * The status on a date (YYYY-MM-DD, inclusive, end of that day): the last change on or before it.
 * Before the first change the resident was not yet registered (`null`).
 */
export function statusOn (history: readonly StatusChange[], date: string): ResidentStatus | null {
  let current: StatusChange | null = null
  for (const h of history) if (h.since.slice(0, 10) <= date && (!current || h.since >= current.since)) current = h
  return current?.status ?? null
}

/** Visit methods; "video_call" is the 爱的眼睛 intercom video call (a completed care call becomes one: POST /api/calls/:id/visit). */
export const VISIT_METHODS = ['home', 'phone', 'video_call'] as const
export type VisitMethod = typeof VISIT_METHODS[number]

export const FACILITY_KINDS = [
  { key: 'home', nameZh: '居家', nameEn: 'Home' },
  { key: 'institution', nameZh: '养老机构', nameEn: 'Care institution' },
  { key: 'day_care', nameZh: '日间照料中心', nameEn: 'Day-care centre' },
  { key: 'service_station', nameZh: '社区养老服务站', nameEn: 'Community service station' },
  { key: 'happiness_home', nameZh: '幸福院', nameEn: 'Happiness home (幸福院)' },
  { key: 'meal_point', nameZh: '老年助餐点', nameEn: 'Meal point' }
] as const
export type FacilityKind = typeof FACILITY_KINDS[number]['key']

/** 家庭养老床位 bed types as the plans call them. */
export const FAMILY_BED_TYPES = [
  { key: 'nursing', nameZh: '护理型', nameEn: 'Nursing' },
  { key: 'inclusive', nameZh: '普惠型', nameEn: 'Inclusive' },
  { key: 'safety_net', nameZh: '兜底型', nameEn: 'Safety-net' }
] as const
export type FamilyBedType = typeof FAMILY_BED_TYPES[number]['key']

/** Per-area rules for visits; areas without their own use these. */
export interface VisitRules {
  /** residents in any of these groups are due a visit each month */
  eligibleGroups: ResidentGroup[]
  /** methods that count toward the monthly target */
  countingMethods: VisitMethod[]
  /** 失能 threshold (capacity level) */
  disabledFromLevel: number
  /** some districts also require a home visit (上门探访) each calendar quarter: see `visitedInMonth` */
  homeVisitEachQuarter: boolean
}
export const DEFAULT_VISIT_RULES: VisitRules = {
  eligibleGroups: ['lives_alone', 'empty_nest', 'left_behind', 'disabled', 'severely_handicapped', 'special_difficulty'],
  countingMethods: ['home', 'phone', 'video_call'],
  disabledFromLevel: DISABLED_FROM_LEVEL,
  homeVisitEachQuarter: false
}

export interface SupervisedResident {
  id: string
  /** hand-recorded groups */
  groups: readonly string[]
  capacityLevel: number | null
  birthDate: string | null
  statusHistory: readonly StatusChange[]
}

/** Every group a resident belongs to, `disabled` derived from the capacity level. */
export function residentGroups (r: Pick<SupervisedResident, 'groups' | 'capacityLevel'>, disabledFromLevel = DISABLED_FROM_LEVEL): ResidentGroup[] {
  const out = RECORDED_GROUPS.filter(g => r.groups.includes(g)) as ResidentGroup[]
  if (isDisabled(r.capacityLevel, disabledFromLevel)) out.push('disabled')
  return out
}

export interface VisitRecord {
  residentId: string
  visitedAt: string
  method: VisitMethod
  /** the calendar day (YYYY-MM-DD) in the service's time zone; visitedAt's own date when absent */
  day?: string
}

/** First and last day (YYYY-MM-DD) of a month given as YYYY-MM. */
export function monthBounds (month: string): { first: string, last: string } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new RangeError(`month must be YYYY-MM, got ${month}`)
  const [y, m] = month.split('-').map(Number)
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return { first: `${month}-01`, last: `${month}-${String(lastDay).padStart(2, '0')}` }
}

/** The first day (YYYY-MM-DD) of the calendar quarter of a month (YYYY-MM), and whether the month closes it. */
export function quarterOf (month: string): { first: string, closes: boolean } {
  monthBounds(month)
  const [y, m] = month.split('-').map(Number)
  const q0 = m - ((m - 1) % 3)
  return { first: `${y}-${String(q0).padStart(2, '0')}-01`, closes: m % 3 === 0 }
}

/**
 * The residents visited in a month as the targets count it: a visit by a counting method on a day
 * of the month while the resident was active. When the area requires a home visit each quarter,
 * in the quarter's last month (March, June, September, December) that is not enough: a home visit
 * (`home`, whether or not it is a counting method) while active on some day of the quarter up to
 * the month's end is needed too, else the resident is not covered that month. In the quarter's
 * first two months the monthly rule alone applies (the quarter is not over yet).
 * `visits` must reach back to the quarter's first day when the rule is on; visitedAt is compared
 * by calendar day.
 */
export function visitedInMonth (month: string, residents: readonly Pick<SupervisedResident, 'id' | 'statusHistory'>[], visits: readonly VisitRecord[], rules: Pick<VisitRules, 'countingMethods' | 'homeVisitEachQuarter'>): Map<string, string> {
  const { first, last } = monthBounds(month)
  const quarter = quarterOf(month)
  const counting = new Set<string>(rules.countingMethods)
  const byId = new Map(residents.map(r => [r.id, r]))
  const lastVisit = new Map<string, string>()
  const homeInQuarter = new Set<string>()
  for (const v of visits) {
    const day = v.day ?? v.visitedAt.slice(0, 10)
    if (day < quarter.first || day > last) continue
    const r = byId.get(v.residentId)
    if (!r || statusOn(r.statusHistory, day) !== 'active') continue
    if (v.method === 'home') homeInQuarter.add(r.id)
    if (day >= first && counting.has(v.method) && (lastVisit.get(r.id) ?? '') < v.visitedAt) lastVisit.set(r.id, v.visitedAt)
  }
  if (rules.homeVisitEachQuarter && quarter.closes) for (const id of [...lastVisit.keys()]) if (!homeInQuarter.has(id)) lastVisit.delete(id)
  return lastVisit
}

function activeOnAnyDay (history: readonly StatusChange[], first: string, last: string): boolean {
  if (statusOn(history, first) === 'active') return true
  return history.some(h => h.status === 'active' && h.since.slice(0, 10) >= first && h.since.slice(0, 10) <= last)
}

export interface CoverageResult {
  month: string
  /** residents due a visit this month */
  due: number
  /** of them, visited by a counting method while active */
  visited: number
  /** visited / due, 1 when nobody is due */
  rate: number
  /** ids of residents due and not visited — the supervisor's work list */
  missing: string[]
  /** eligible residents not counted against the area, and why */
  excused: Array<{ id: string, reason: 'left_unvisited' | 'in_hospital' }>
}

/**
 * Monthly visit coverage. A resident in an eligible group counts as due when active on the
 * month's last day (still there, so a visit was owed), or when active at some time in the month
 * and visited then (a resident who died or moved out after a visit is covered). One who left or
 * went into hospital mid-month without a visit is excused, not missing. A visit counts only by a
 * counting method and while the resident was active (not after death, not in hospital), and in a
 * quarter's last month only with a home visit in the quarter when the area requires one
 * (`visitedInMonth`).
 */
export function visitCoverage (month: string, residents: readonly SupervisedResident[], visits: readonly VisitRecord[], rules: VisitRules = DEFAULT_VISIT_RULES): CoverageResult {
  const { first, last } = monthBounds(month)
  const visitedIds = visitedInMonth(month, residents, visits, rules)
  let due = 0
  let visited = 0
  const missing: string[] = []
  const excused: CoverageResult['excused'] = []
  for (const r of residents) {
    const groups = residentGroups(r, rules.disabledFromLevel)
    if (!groups.some(g => rules.eligibleGroups.includes(g))) continue
    if (!activeOnAnyDay(r.statusHistory, first, last)) continue
    const atEnd = statusOn(r.statusHistory, last)
    if (visitedIds.has(r.id)) { due++; visited++; continue }
    if (atEnd === 'active') { due++; missing.push(r.id); continue }
    excused.push({ id: r.id, reason: atEnd === 'in_hospital' ? 'in_hospital' : 'left_unvisited' })
  }
  return { month, due, visited, rate: due === 0 ? 1 : visited / due, missing, excused }
}

/**
 * Two coverages of one month over different residents, as one (the platform counts a city's
 * residents a page at a time, a turn of the event loop between pages).
 */
export function addCoverage (a: CoverageResult, b: CoverageResult): CoverageResult {
  const due = a.due + b.due
  const visited = a.visited + b.visited
  return { month: a.month, due, visited, rate: due === 0 ? 1 : visited / due, missing: [...a.missing, ...b.missing], excused: [...a.excused, ...b.excused] }
}

export const AGE_BANDS = ['60-69', '70-79', '80-89', '90+'] as const
export type AgeBand = typeof AGE_BANDS[number] | 'under60' | 'unknown'

/** Age in whole years on a date (both YYYY-MM-DD). */
export function ageOn (birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number)
  const [y, m, d] = date.slice(0, 10).split('-').map(Number)
  return y - by - ((m < bm || (m === bm && d < bd)) ? 1 : 0)
}

export function ageBand (birthDate: string | null, date: string): AgeBand {
  if (!birthDate) return 'unknown'
  const age = ageOn(birthDate, date)
  if (age < 60) return 'under60'
  if (age >= 90) return '90+'
  return `${Math.floor(age / 10) * 10}-${Math.floor(age / 10) * 10 + 9}` as AgeBand
}

export interface PopulationCounts {
  date: string
  /** residents registered on the date, whatever their status */
  total: number
  byStatus: Record<ResidentStatus, number>
  /** the rest count residents active or in hospital on the date (the ones the area looks after) */
  current: number
  byGroup: Record<ResidentGroup, number>
  byAgeBand: Record<AgeBand, number>
  /** capacity level 0–4, or `unassessed` */
  byCapacityLevel: Record<'0' | '1' | '2' | '3' | '4' | 'unassessed', number>
}

/** Two populations of one date over different residents, as one (see addCoverage). */
export function addPopulationCounts (a: PopulationCounts, b: PopulationCounts): PopulationCounts {
  const sum = <K extends string>(x: Record<K, number>, y: Record<K, number>): Record<K, number> =>
    Object.fromEntries(Object.keys(x).map((k) => [k, x[k as K] + y[k as K]])) as Record<K, number>
  return {
    date: a.date, total: a.total + b.total, byStatus: sum(a.byStatus, b.byStatus), current: a.current + b.current,
    byGroup: sum(a.byGroup, b.byGroup), byAgeBand: sum(a.byAgeBand, b.byAgeBand), byCapacityLevel: sum(a.byCapacityLevel, b.byCapacityLevel)
  }
}

/** The population of an area on a date, from its residents' rows. */
export function populationCounts (date: string, residents: readonly SupervisedResident[], disabledFromLevel = DISABLED_FROM_LEVEL): PopulationCounts {
  const byStatus = Object.fromEntries(RESIDENT_STATUSES.map(s => [s, 0])) as PopulationCounts['byStatus']
  const byGroup = Object.fromEntries(RESIDENT_GROUPS.map(g => [g.key, 0])) as PopulationCounts['byGroup']
  const byAgeBand = { '60-69': 0, '70-79': 0, '80-89': 0, '90+': 0, under60: 0, unknown: 0 } as PopulationCounts['byAgeBand']
  const byCapacityLevel = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, unassessed: 0 } as PopulationCounts['byCapacityLevel']
  let total = 0
  let current = 0
  for (const r of residents) {
    const status = statusOn(r.statusHistory, date)
    if (!status) continue
    total++
    byStatus[status]++
    if (status !== 'active' && status !== 'in_hospital') continue
    current++
    for (const g of residentGroups(r, disabledFromLevel)) byGroup[g]++
    byAgeBand[ageBand(r.birthDate, date)]++
    const lvl = r.capacityLevel
    if (lvl == null) byCapacityLevel.unassessed++
    else byCapacityLevel[String(lvl) as '0']++
  }
  return { date, total, byStatus, current, byGroup, byAgeBand, byCapacityLevel }
}
