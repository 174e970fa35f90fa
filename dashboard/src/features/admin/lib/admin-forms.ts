/**
 * Pure helpers of the admin forms: the area tree, which parent levels an area may have, and
 * the text fields that hold lists (conditions, contacts). The platform validates again; these
 * only catch what a person can fix before sending.
 */
import { AREA_LEVELS, type AreaLevel } from '@eldercare/protocols'
import type { AreaSummary } from '../../../lib/registry/get-areas.ts'
import type { ResidentContact } from '../../../lib/registry/resident.ts'

export interface AreaNode extends AreaSummary { children: AreaNode[] }

/** Nests the flat, path-ordered list; an area whose parent is not in the list becomes a root. */
export function areaTree (areas: readonly AreaSummary[]): AreaNode[] {
  const nodes = new Map(areas.map((a) => [a.id, { ...a, children: [] as AreaNode[] }]))
  const roots: AreaNode[] = []
  for (const node of nodes.values()) {
    const parent = node.parentId === null ? undefined : nodes.get(node.parentId)
    if (parent === undefined) roots.push(node)
    else parent.children.push(node)
  }
  return roots
}

/** The level an area one step below `parent` has (city → district → street → community), or null below a community. */
export function childLevel (parent: AreaLevel | string): AreaLevel | null {
  const i = AREA_LEVELS.indexOf(parent as AreaLevel)
  return i < 0 || i === AREA_LEVELS.length - 1 ? null : AREA_LEVELS[i + 1]
}

/** `高血压, 糖尿病` or one per line → trimmed, non-empty items. */
export function parseList (text: string): string[] {
  return text.split(/[,，、\n]/).map((s) => s.trim()).filter((s) => s !== '')
}

export type ParsedContacts = { ok: true, contacts: ResidentContact[] } | { ok: false, line: number }

/** One contact per line: `name, phone[, relation]` (Chinese or ASCII commas). */
export function parseContacts (text: string): ParsedContacts {
  const contacts: ResidentContact[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const [name, phone, relation] = line.split(/[,，]/).map((s) => s.trim())
    if (!name || !phone || !/^\+?[0-9 -]{5,20}$/.test(phone)) return { ok: false, line: i + 1 }
    contacts.push(relation ? { name, phone, relation } : { name, phone })
  }
  return { ok: true, contacts }
}
