/** A small area tree for the supervision screens' tests: 卧龙区 → 七一街道 → two communities, and 宛城区 beside it. */
import type { AreaSummary } from '../lib/registry/get-areas.ts'

export const AREAS: AreaSummary[] = [
  { id: 'd1', name: '卧龙区', level: 'district', parentId: 'c0', depth: 1 },
  { id: 's1', name: '七一街道', level: 'street', parentId: 'd1', depth: 2 },
  { id: 'm1', name: '幸福里社区', level: 'community', parentId: 's1', depth: 3 },
  { id: 'm2', name: '和平社区', level: 'community', parentId: 's1', depth: 3 },
  { id: 's2', name: '卧龙岗街道', level: 'street', parentId: 'd1', depth: 2 }
]

export const NO_TARGETS = { familyBeds: null, visitCoverage: null, assessmentCoverage: null, ackWithin60s: null }

/** GET /api/targets?areaId&year&depth=subtree as the platform answers it over AREAS: the subtree in tree order, `stored` targets by area id. */
export function targetsTreeOf (rootId: string, year: number, stored: ReadonlyMap<string, Record<string, unknown>> = new Map()) {
  const below = (id: string, depth: number): Array<{ id: string, depth: number }> =>
    [{ id, depth }, ...AREAS.filter((a) => a.parentId === id).flatMap((a) => below(a.id, depth + 1))]
  const root = AREAS.find((a) => a.id === rootId)
  if (root === undefined) return null
  return {
    area: { id: rootId, name: root.name },
    year,
    items: below(rootId, 0).map(({ id, depth }) => {
      const a = AREAS.find((x) => x.id === id)!
      return { areaId: id, parentId: a.parentId, name: a.name, level: a.level, depth, targets: { year, ...(stored.get(id) ?? NO_TARGETS) } }
    })
  }
}
