/** Which screen a hash route shows, given the screens the user's role allows. */
import type { Screen } from '../lib/permissions.ts'
import type { Route } from '../lib/router.ts'

export interface Resolved {
  screen: Screen
  /** `#/residents/<id>`: the resident; `#/admin/<section>`: the section. */
  param: string | null
}

export function resolveRoute (route: Route, allowed: readonly Screen[]): Resolved {
  const [first, second] = route.segments
  const wanted = (first ?? 'queue') as Screen
  // Unknown or forbidden: the role's first screen (the queue for everyone who has it).
  const screen = allowed.includes(wanted) ? wanted : allowed[0] ?? 'residents'
  return { screen, param: screen === wanted ? second ?? null : null }
}
