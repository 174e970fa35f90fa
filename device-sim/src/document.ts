/**
 * Reads a YAML or JSON file (YAML 1.2 is a superset of JSON, so one parser serves both)
 * and keeps the position of every node, so validation errors can name the line of the
 * offending field, e.g. `night.yaml:14: steps[3].at: "25:00" is not a time of day`.
 */
import { readFileSync } from 'node:fs'
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml'
import { SimError, inputError, type SimErrorCode } from './errors.ts'

export type Path = ReadonlyArray<string | number>

export function pathText (path: Path): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '')
}

export class StructuredDoc {
  constructor (
    readonly file: string,
    readonly data: unknown,
    private readonly root: Node | null,
    private readonly lines: LineCounter,
    readonly code: SimErrorCode
  ) {}

  /** Line of the node at `path`, or of its nearest existing ancestor. */
  lineOf (path: Path): number | null {
    for (let n = path.length; n >= 0; n--) {
      const node = this.nodeAt(path.slice(0, n))
      if (node?.range) return this.lines.linePos(node.range[0]).line
    }
    return null
  }

  error (path: Path, problem: string): SimError {
    return inputError(this.code, this.file, this.lineOf(path), path.length ? pathText(path) : null, problem)
  }

  private nodeAt (path: Path): Node | null {
    let node: unknown = this.root
    for (const key of path) {
      if (isMap(node)) node = node.get(key, true)
      else if (isSeq(node)) node = node.get(key as number, true)
      else return null
    }
    return (node as Node) ?? null
  }
}

export function readText (file: string, code: SimErrorCode): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new SimError(code, `${file}: cannot read (${e.code === 'ENOENT' ? 'no such file' : e.message})`)
  }
}

export function parseStructured (file: string, text: string, code: SimErrorCode): StructuredDoc {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const line = e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line
    throw inputError(code, file, line, null, `syntax error: ${e.message.split('\n')[0]}`)
  }
  return new StructuredDoc(file, doc.toJS(), doc.contents as Node | null, lines, code)
}

export function loadStructured (file: string, code: SimErrorCode): StructuredDoc {
  return parseStructured(file, readText(file, code), code)
}

/** Small typed readers that report the field's line when a value is missing or wrong. */
export class Fields {
  constructor (private readonly doc: StructuredDoc) {}

  object (value: unknown, path: Path): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw this.doc.error(path, 'must be a mapping (key: value)')
    return value as Record<string, unknown>
  }

  array (value: unknown, path: Path): unknown[] {
    if (!Array.isArray(value)) throw this.doc.error(path, 'must be a list')
    return value
  }

  string (obj: Record<string, unknown>, key: string, path: Path, opts: { optional?: boolean, pattern?: RegExp, oneOf?: readonly string[] } = {}): string | undefined {
    const v = obj[key]
    if (v === undefined || v === null) {
      if (opts.optional) return undefined
      throw this.doc.error(path, `${key} is required`)
    }
    const p = [...path, key]
    if (typeof v !== 'string') throw this.doc.error(p, `must be a string, got ${JSON.stringify(v)}`)
    if (opts.pattern && !opts.pattern.test(v)) throw this.doc.error(p, `"${v}" does not match ${opts.pattern.source}`)
    if (opts.oneOf && !opts.oneOf.includes(v)) throw this.doc.error(p, `"${v}" must be one of ${opts.oneOf.join(', ')}`)
    return v
  }

  number (obj: Record<string, unknown>, key: string, path: Path, opts: { optional?: boolean, min?: number, max?: number, integer?: boolean } = {}): number | undefined {
    const v = obj[key]
    if (v === undefined || v === null) {
      if (opts.optional) return undefined
      throw this.doc.error(path, `${key} is required`)
    }
    const p = [...path, key]
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.doc.error(p, `must be a number, got ${JSON.stringify(v)}`)
    if (opts.integer && !Number.isInteger(v)) throw this.doc.error(p, `must be a whole number, got ${v}`)
    if (opts.min !== undefined && v < opts.min) throw this.doc.error(p, `must be at least ${opts.min}, got ${v}`)
    if (opts.max !== undefined && v > opts.max) throw this.doc.error(p, `must be at most ${opts.max}, got ${v}`)
    return v
  }

  boolean (obj: Record<string, unknown>, key: string, path: Path, optional = true): boolean | undefined {
    const v = obj[key]
    if (v === undefined || v === null) {
      if (optional) return undefined
      throw this.doc.error(path, `${key} is required`)
    }
    if (typeof v !== 'boolean') throw this.doc.error([...path, key], `must be true or false, got ${JSON.stringify(v)}`)
    return v
  }

  /** Rejects keys the format does not know (a typo is an error, not a silent default). */
  allowOnly (obj: Record<string, unknown>, path: Path, keys: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!keys.includes(k)) throw this.doc.error([...path, k], `unknown field (expected one of ${keys.join(', ')})`)
    }
  }
}
