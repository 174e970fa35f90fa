import { describe, expect, it } from 'vitest'
import { Type } from '@sinclair/typebox'
import { ImportError, MAX_IMPORT_ROWS, PARSE_BYTES_PER_TURN, parseBool, parseCsv, parseNum, schemaProblems, splitList } from '../src/features/registry/csv-import.ts'
import { columnOf, csvSafeSecret, parseRooms } from '../src/features/registry/imports.ts'
import { csvCell, toCsv } from '../src/features/reports/service.ts'
import { levelProblem } from '../src/features/registry/areas.ts'
import { placeProblem } from '../src/features/registry/residents.ts'

const problemsOf = async (fn: () => Promise<unknown>) => {
  try { await fn() } catch (e) { if (e instanceof ImportError) return e.problems; throw e }
  throw new Error('no ImportError')
}

describe('parseCsv', () => {
  it('gives each record the line it ends on (header is line 1), drops empty cells and a BOM', async () => {
    const rows = await parseCsv('\uFEFFname,id\r\n"a, b",1\n"multi\nline",\n\nc,3\n', { required: ['name'], optional: ['id'] })
    expect(rows).toEqual([
      { line: 2, cells: { name: 'a, b', id: '1' } },
      { line: 4, cells: { name: 'multi\nline' } },
      { line: 6, cells: { name: 'c', id: '3' } }
    ])
  })

  it('lists every header problem at once', async () => {
    expect((await problemsOf(() => parseCsv('nam,extra,extra\n', { required: ['name'], optional: [] }))).map((p) => p.message)).toEqual([
      expect.stringContaining('unknown column "nam"'), expect.stringContaining('unknown column "extra"'), expect.stringContaining('unknown column "extra"'),
      'missing column "name"', 'a column is named twice'])
  })

  it('reports a row with the wrong number of cells and an empty file', async () => {
    expect((await problemsOf(() => parseCsv('name\na\nb,c\n', { required: ['name'], optional: [] })))[0]).toEqual({ line: 3, message: expect.stringMatching(/not valid CSV/) })
    expect((await problemsOf(() => parseCsv('', { required: ['name'], optional: [] })))[0].message).toMatch(/empty/)
  })

  it('parses a file in pieces as in one go, whatever a piece cuts (a character, a CRLF, a quoted field), a turn between pieces', async () => {
    // Pieces of every size up to a record and more: the cuts fall inside 4-byte characters (𠀀, of
    // GB18030's extension B), 3-byte ones (居), a quoted field with a newline and a comma, a
    // quote doubled, and between the CR and LF of a CRLF.
    const text = 'id,note,name\r\n' + Array.from({ length: 6 }, (_, i) => `r${i},"引""号,里\n换行 ${i}",𠀀居${i}\r\n`).join('')
    const expected = Array.from({ length: 6 }, (_, i) => ({ line: 3 + 2 * i, cells: { id: `r${i}`, note: `引"号,里\n换行 ${i}`, name: `𠀀居${i}` } }))
    const columns = { required: ['name'], optional: ['id', 'note'] }
    expect(await parseCsv(text, columns)).toEqual(expected)
    for (let size = 1; size <= 48; size++) expect(await parseCsv(text, columns, size), `pieces of ${size} bytes`).toEqual(expected)
    let turns = 0
    let parsing = true
    const count = () => { turns++; if (parsing) setImmediate(count) }
    setImmediate(count)
    await parseCsv(text, columns, 16)
    parsing = false
    expect(turns).toBeGreaterThanOrEqual(Math.floor(Buffer.byteLength(text) / 16) - 1)
    expect(PARSE_BYTES_PER_TURN).toBe(16 * 1024)
  })

  it('refuses a file of more than MAX_IMPORT_ROWS rows', async () => {
    const text = 'name\n' + 'a\n'.repeat(MAX_IMPORT_ROWS + 1)
    expect(await problemsOf(() => parseCsv(text, { required: ['name'], optional: [] }))).toEqual([{ line: 1, message: `at most ${MAX_IMPORT_ROWS} rows per file; split it` }])
    expect(await parseCsv('name\n' + 'a\n'.repeat(MAX_IMPORT_ROWS), { required: ['name'], optional: [] })).toHaveLength(MAX_IMPORT_ROWS)
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
