// docs/walkthrough.md names files and functions along one alarm's way; this keeps it true:
// every `path` and every `path: name` in backticks must exist, so the walk cannot go stale.
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const WALK = join(ROOT, 'docs/walkthrough.md')

/** A backticked reference: `some/path.ext` or `some/path.ext: Name` or `some/path.ext: Class.method`. */
const REF = /`((?:protocols|common|readings|gateway|platform|dashboard|device-sim|tests|docs|scripts)\/[\w./-]*?)(?:: ([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?))?`/g

interface WalkRef { path: string, name: string | null }

function walkRefs (text: string): WalkRef[] {
  const refs: WalkRef[] = []
  for (const m of text.matchAll(REF)) {
    const path = m[1]!
    refs.push({ path, name: m[2] ?? null })
  }
  return refs
}

/** Whether `source` declares `name` (function, class, const, interface, type, or a method/property of a class). */
function declares (source: string, name: string): boolean {
  const n = name.replace(/\$/g, '\\$')
  return new RegExp(`\\b(?:function\\*?|class|const|let|var|interface|type|enum)\\s+${n}\\b`).test(source) ||
    new RegExp(`^\\s*(?:(?:export|public|private|protected|readonly|static|async|override)\\s+)*${n}\\s*(?:<[^>]*>\\s*)?(?:\\(|=|:)`, 'm').test(source)
}

/** What is stale in the walk: paths that do not exist, names their file does not declare. */
function staleRefs (refs: WalkRef[], root: string): string[] {
  const stale: string[] = []
  for (const { path, name } of refs) {
    const file = join(root, path)
    if (!existsSync(file)) { stale.push(`${path}: no such file`); continue }
    if (!name) continue
    const source = readFileSync(file, 'utf8')
    for (const part of name.split('.')) {
      if (!declares(source, part)) stale.push(`${path}: ${part} is not declared there`)
    }
  }
  return stale
}

describe('docs/walkthrough.md, the walk of one alarm', () => {
  const refs = walkRefs(readFileSync(WALK, 'utf8'))

  it('names the files and functions along the way (the parser finds them)', () => {
    expect(refs.length).toBeGreaterThan(50)
    expect(refs.filter((r) => r.name).length).toBeGreaterThan(40)
    expect(refs).toContainEqual({ path: 'gateway/src/ingest/pipeline.ts', name: 'Ingest.run' })
  })

  it('names only files and functions that exist', () => {
    expect(staleRefs(refs, ROOT)).toEqual([])
  })

  it('would catch a moved file and a renamed function', () => {
    const text = 'see `gateway/src/ingest/gone.ts` and `gateway/src/ingest/pipeline.ts: Ingest.sprint` and `gateway/src/ingest/pipeline.ts: INGEST_STEPS`'
    expect(staleRefs(walkRefs(text), ROOT)).toEqual([
      'gateway/src/ingest/gone.ts: no such file',
      'gateway/src/ingest/pipeline.ts: sprint is not declared there'
    ])
  })
})
