/** The visit record as the platform sends it (platform/src/features/visits/service.ts `visitDto`), and calendar helpers. */
import { isVisitDto, type VisitDto } from '@eldercare/protocols'
import { checkedDto, listItems } from '../../../lib/dto.ts'

/** The outcomes the platform accepts, in the order the form offers them (protocols/src/dto.ts). */
export { VISIT_OUTCOMES, type VisitOutcome } from '@eldercare/protocols'

export type Visit = VisitDto

/** One visit answer, refused when it breaks the contract (`VisitDto`). */
export const toVisit = (raw: unknown): Visit => checkedDto(raw, isVisitDto, 'visit')

/** A visit list answer: refused without its list; a visit that breaks the contract is dropped and logged. */
export const toVisits = (raw: unknown): Visit[] => listItems(raw, isVisitDto, 'visit')

const pad = (n: number) => String(n).padStart(2, '0')

/** The month of `ms` in the browser's zone, as `YYYY-MM`, with its first and last day. */
export function monthRange (ms: number): { month: string, first: string, last: string } {
  const d = new Date(ms)
  const month = `${d.getFullYear()}-${pad(d.getMonth() + 1)}`
  const lastDay = new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate()
  return { month, first: `${month}-01`, last: `${month}-${pad(lastDay)}` }
}

/** `ms` as the value of a `datetime-local` input (local time, minutes). */
export function toDateTimeLocal (ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}
