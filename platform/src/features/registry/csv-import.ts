/**
 * CSV import, all or nothing: parse the whole file, validate every row (shape with the same
 * TypeBox schemas as the REST bodies, then references and duplicates), report every problem
 * with its line number, and write nothing unless the whole file is valid.
 */
import { setImmediate as turn } from 'node:timers/promises'
import { finished } from 'node:stream/promises'
import { parse } from 'csv-parse'
import { mapInTurns } from '@eldercare/common'
import iconv from 'iconv-lite'
import { FormatRegistry, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { errors, PlatformError } from '../../errors.ts'

// Fastify's validator knows `date-time`; TypeBox's Value checker needs it registered.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v) && !Number.isNaN(Date.parse(v)))
}

export interface ImportProblem { line: number, column?: string, message: string }

export interface CsvRow { line: number, cells: Record<string, string> }

/** Most rows one file may hold. */
export const MAX_IMPORT_ROWS = 50_000

export class ImportError extends PlatformError {
  constructor (readonly problems: ImportProblem[]) {
    const e = errors.IMPORT_INVALID.withDetails({ problems: problems.slice(0, 1000), total: problems.length }, `${problems.length} problem${problems.length === 1 ? '' : 's'}`)
    super(e.code, e.statusCode, e.message, e.details)
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The text of an uploaded CSV file (issue 13). Chinese Excel saves "CSV" in GB18030/GBK, others
 * in UTF-8 with or without a byte-order mark: a charset named in Content-Type is used as given;
 * else a BOM decides (UTF-8, UTF-16); else the bytes are UTF-8 when they decode strictly as UTF-8;
 * else GB18030 (a superset of GBK and GB2312) through iconv-lite. A file that is none of these is
 * refused with the encodings tried, never imported with replacement characters.
 */
export function decodeCsv (bytes: Buffer, contentType?: string): string {
  const declared = /;\s*charset="?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase()
  const refuse = (message: string) => new ImportError([{ line: 0, message }])
  if (declared && !['utf-8', 'utf8'].includes(declared)) {
    if (!iconv.encodingExists(declared)) throw refuse(`the charset "${declared}" in Content-Type is not one this service reads; send UTF-8 or GB18030`)
    const text = iconv.decode(bytes, declared)
    if (text.includes('\uFFFD')) throw refuse(`the file is not valid ${declared} as declared in Content-Type`)
    return text.replace(/^\uFEFF/, '')
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3)
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes.subarray(2), 'utf-16le')
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes.subarray(2), 'utf-16be')
  try {
    return UTF8.decode(bytes)
  } catch {
    if (declared) throw refuse('the file is not valid UTF-8 as declared in Content-Type (charset=utf-8)')
  }
  const text = iconv.decode(bytes, 'gb18030')
  if (text.includes('\uFFFD')) throw refuse('the file is neither UTF-8 nor GB18030/GBK (the encodings of Excel on Chinese Windows); save it as "CSV UTF-8"')
  return text
}

/**
 * Bytes of a file parsed per turn of the event loop (issue 11: a 10,000-row resident file, 1.5 MB,
 * took ~220 ms to parse in one go, MQTT and every alarm waiting; 16 KiB take ~2–3 ms).
 */
export const PARSE_BYTES_PER_TURN = 16 * 1024

/**
 * Parses CSV text with a header row. Lines are those of the file (the header is line 1), so a
 * person can find the row in a spreadsheet. Empty cells are dropped (absent, not "").
 * The text is parsed `bytesPerTurn` bytes of UTF-8 at a time, a turn of the event loop
 * between pieces (a piece may end inside a character: the parser decodes a field once its bytes
 * are all there); a file of more than MAX_IMPORT_ROWS rows is refused as soon as that is known.
 */
export async function parseCsv (text: string, columns: { required: string[], optional: string[] }, bytesPerTurn = PARSE_BYTES_PER_TURN): Promise<CsvRow[]> {
  const records: Array<{ record: string[], info: { lines: number } }> = []
  const parser = parse({ bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false, record_delimiter: ['\r\n', '\n', '\r'] })
  parser.on('data', (r: { record: string[], info: { lines: number } }) => records.push(r))
  const ended = finished(parser).then(() => null, (err: Error & { lines?: number }) => err)
  let failure: (Error & { lines?: number }) | null = null
  parser.once('error', (err) => { failure = err })
  const bytes = Buffer.from(text)
  for (let i = 0; i < bytes.length && !failure; i += bytesPerTurn) {
    parser.write(bytes.subarray(i, i + bytesPerTurn))
    await turn()
    if (records.length - 1 > MAX_IMPORT_ROWS) {
      parser.destroy()
      throw new ImportError([{ line: 1, message: `at most ${MAX_IMPORT_ROWS} rows per file; split it` }])
    }
  }
  if (!failure) parser.end()
  const err = await ended
  if (err) throw new ImportError([{ line: err.lines ?? 0, message: `not valid CSV: ${err.message}` }])
  if (records.length === 0) throw new ImportError([{ line: 1, message: 'the file is empty; the first line must name the columns' }])
  const header = records[0].record.map((h) => h.toLowerCase())
  const known = new Set([...columns.required, ...columns.optional])
  const problems: ImportProblem[] = []
  for (const h of header) if (!known.has(h)) problems.push({ line: 1, column: h, message: `unknown column "${h}"; known: ${[...known].join(', ')}` })
  for (const r of columns.required) if (!header.includes(r)) problems.push({ line: 1, column: r, message: `missing column "${r}"` })
  if (new Set(header).size !== header.length) problems.push({ line: 1, message: 'a column is named twice' })
  if (problems.length) throw new ImportError(problems)
  if (records.length - 1 > MAX_IMPORT_ROWS) throw new ImportError([{ line: 1, message: `at most ${MAX_IMPORT_ROWS} rows per file; split it` }])
  return mapInTurns(records.slice(1), ({ record, info }) => {
    const cells: Record<string, string> = {}
    header.forEach((h, i) => { if (record[i] !== '') cells[h] = record[i] })
    // info.lines is the line the record ends on; a record spans several lines only with quoted newlines.
    return { line: info.lines, cells }
  })
}

const checks = new WeakMap<TSchema, TypeCheck<TSchema>>()
/** The schema's checker, compiled on first use (a row checked ~10× faster than by Value.Check). */
function compiled (schema: TSchema): TypeCheck<TSchema> {
  let c = checks.get(schema)
  if (!c) checks.set(schema, c = TypeCompiler.Compile(schema))
  return c
}

/**
 * Schema problems of `value`, as import problems on `line`; `pathToColumn` turns a JSON pointer
 * of the REST body (`/contacts/0/phone`) back into the CSV column (`contact1_phone`).
 */
export function schemaProblems (schema: TSchema, value: unknown, line: number, pathToColumn: (path: string) => string): ImportProblem[] {
  const check = compiled(schema)
  if (check.Check(value)) return []
  const out: ImportProblem[] = []
  const seen = new Set<string>()
  for (const e of check.Errors(value)) {
    if (seen.has(e.path)) continue // one problem per field is enough to act on
    seen.add(e.path)
    out.push({ line, column: e.path ? pathToColumn(e.path) : undefined, message: `${e.path || 'row'}: ${e.message}` })
    if (out.length >= 5) break
  }
  return out
}

export const splitList = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(';').map((s) => s.trim()).filter(Boolean))

/** `true|false|yes|no|1|0|是|否` → boolean; anything else → the raw string (the schema rejects it). */
export function parseBool (v: string | undefined): boolean | string | undefined {
  if (v === undefined) return undefined
  const s = v.toLowerCase()
  if (['true', 'yes', '1', 'y', '是'].includes(s)) return true
  if (['false', 'no', '0', 'n', '否'].includes(s)) return false
  return v
}

/** A number when the cell is numeric, else the raw string (the schema rejects it with a message). */
export const parseNum = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v))
