import { describe, expect, it } from 'vitest'
import { Type } from '@sinclair/typebox'
import { ImportError, parseBool, parseCsv, parseNum, schemaProblems, splitList } from '../src/features/registry/csv-import.ts'
import { columnOf, csvSafeSecret, parseRooms } from '../src/features/registry/imports.ts'
import { csvCell, toCsv } from '../src/features/reports/service.ts'
import { levelProblem } from '../src/features/registry/areas.ts'
import { placeProblem } from '../src/features/registry/residents.ts'

const problemsOf = (fn: () => unknown) => {
  try { fn() } catch (e) { if (e instanceof ImportError) return e.problems; throw e }
  throw new Error('no ImportError')
}

describe('parseCsv', () => {
  it('gives each record the line it ends on (header is line 1), drops empty cells and a BOM', () => {
    const rows = parseCsv('\uFEFFname,id\r\n"a, b",1\n"multi\nline",\n\nc,3\n', { required: ['name'], optional: ['id'] })
    expect(rows).toEqual([
      { line: 2, cells: { name: 'a, b', id: '1' } },
      { line: 4, cells: { name: 'multi\nline' } },
      { line: 6, cells: { name: 'c', id: '3' } }
    ])
  })

  it('lists every header problem at once', () => {
    expect(problemsOf(() => parseCsv('nam,extra,extra\n', { required: ['name'], optional: [] })).map((p) => p.message)).toEqual([
      expect.stringContaining('unknown column "nam"'), expect.stringContaining('unknown column "extra"'), expect.stringContaining('unknown column "extra"'),
      'missing column "name"', 'a column is named twice'])
  })

  it('reports a row with the wrong number of cells and an empty file', () => {
    expect(problemsOf(() => parseCsv('name\na\nb,c\n', { required: ['name'], optional: [] }))[0].message).toMatch(/not valid CSV/)
    expect(problemsOf(() => parseCsv('', { required: ['name'], optional: [] }))[0].message).toMatch(/empty/)
  })
})

describe('cell helpers', () => {
  it('parses lists, booleans, numbers and rooms', () => {
    expect(splitList(' a; b ;;c')).toEqual(['a', 'b', 'c'])
    expect([parseBool('是'), parseBool('No'), parseBool('maybe'), parseBool(undefined)]).toEqual([true, false, 'maybe', undefined])
    expect([parseNum('2'), parseNum('-1.5'), parseNum('two')]).toEqual([2, -1.5, 'two'])
    expect(parseRooms('101:A|B; 102')).toEqual([{ room: '101', beds: ['A', 'B'] }, { room: '102' }])
  })

  it('maps a body path back to its CSV column', () => {
    expect(['/birthDate', '/contacts/1/consentAt', '/contacts', '/geo/lng', '/flags/0'].map(columnOf)).toEqual(['birth_date', 'contact2_consent_at', 'contact1_name', 'lng', 'flags'])
  })

  it('reports one problem per field with the column', () => {
    const schema = Type.Object({ a: Type.String({ minLength: 2 }), b: Type.Integer() })
    expect(schemaProblems(schema, { b: 'x' }, 7, (p) => p.slice(1))).toEqual([
      { line: 7, column: 'a', message: '/a: Expected required property' },
      { line: 7, column: 'b', message: '/b: Expected integer' }])
    expect(schemaProblems(schema, { a: 'ok', b: 1 }, 7, (p) => p)).toEqual([])
  })

  it('writes CSV cells quoted when needed and defuses formulas', () => {
    expect(toCsv([['a,b', 'say "hi"', 3, null, '=cmd()', '-1', '@x']])).toBe('"a,b","say ""hi""",3,,\'=cmd(),\'-1,\'@x\r\n')
    expect(csvCell(-1)).toBe('-1')
  })

  it('draws device secrets that survive the CSV writer unchanged (regression: a secret starting with "-")', () => {
    for (let i = 0; i < 2000; i++) {
      const s = csvSafeSecret()
      expect(toCsv([[s]])).toBe(`${s}\r\n`)
    }
  })
})

describe('registry rules', () => {
  it('keeps the level order of the five-level network', () => {
    expect(levelProblem('city', null)).toBeNull()
    expect(levelProblem('street', null)).toMatch(/needs a parent/)
    expect(levelProblem('street', 'district')).toBeNull()
    expect(levelProblem('district', 'street')).toMatch(/cannot sit under/)
  })

  it('holds a resident\'s room and bed to the institution\'s list', () => {
    const inst = { kind: 'institution', rooms: [{ room: '101', beds: ['A'] }] }
    expect(placeProblem(inst, '101', 'A')).toBeNull()
    expect(placeProblem(inst, '102', null)).toMatch(/not one of the institution's rooms/)
    expect(placeProblem(inst, '101', 'B')).toMatch(/bed B/)
    expect(placeProblem({ kind: 'home', rooms: [] }, '1', null)).toMatch(/institution/)
    expect(placeProblem({ kind: 'home', rooms: [] }, null, null)).toBeNull()
  })
})
