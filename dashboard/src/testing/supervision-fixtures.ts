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
