/** The error catalogue: each code once, and docs/platform.md's table lists exactly its codes and statuses. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errors, PlatformError } from '../src/errors.ts'

describe('the error catalogue (errors.ts)', () => {
  const entries = Object.values(errors)

  it('declares each PLT_ERR_* code once and builds PlatformErrors from its template', () => {
    const codes = entries.map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    const e = errors.INVALID_TRANSITION('acknowledge', 'resolved')
    expect(e).toBeInstanceOf(PlatformError)
    expect(e).toMatchObject({ code: 'PLT_ERR_INVALID_TRANSITION', statusCode: 409, message: 'cannot acknowledge an incident that is resolved' })
    expect(errors.IMPORT_INVALID.withDetails({ total: 2 }, '2 problems')).toMatchObject({ statusCode: 422, details: { total: 2 }, message: 'the file has 2 problems; nothing was imported' })
  })

  it('docs/platform.md lists every code with its status, and no other', () => {
    const doc = readFileSync(new URL('../../docs/platform.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## Errors'), doc.indexOf('## Scaled mode'))
    const rows = [...section.matchAll(/^\| `(PLT_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])])
    expect(new Map(rows as Array<[string, number]>)).toEqual(new Map(entries.map((e) => [e.code, e.statusCode])))
  })
})
