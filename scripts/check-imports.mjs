#!/usr/bin/env node
// Import-boundary check, run by `npm test` (through `npm run check`). The parts meet only through
// package names and the contracts in protocols/ (ARCHITECTURE.md; Playwright's check-deps does
// the same job there). Rules:
//
//   (a) protocols/ imports nothing of ours: no @eldercare/* and no relative path leaving protocols/.
//   (b) Nothing outside gateway/ reaches into gateway's internals: `@eldercare/gateway/<subpath>`
//       is an error, the package root `@eldercare/gateway` is fine. The same for platform/.
//   (c) No relative import crosses from one top-level part into another; parts meet through
//       package names. The one exception: test code of any part may import the shared test
//       helpers in tests/support/ by relative path (production code may not).
//   (d) dashboard/ and device-sim/ import only @eldercare/protocols of ours: the dashboard talks
//       REST and socket.io, the simulator MQTT and REST.
//
// Imports are found by a small tokenizer, not a regex over the text, so specifiers inside
// comments, strings and template literals (e.g. test fixtures) are not mistaken for imports.
// Recognised: import … from, import '…', export … from, import('…'), require('…'),
// import x = require('…'), and vi.mock/doMock/importActual/importMock('…').
//
// Usage: node scripts/check-imports.mjs [--root DIR]   (default: the repository root)
// Exit 1 and one `file:line: message` per violation; exit 0 and a one-line summary otherwise.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const PARTS = ['protocols', 'readings', 'gateway', 'platform', 'dashboard', 'device-sim', 'tests']
const SCOPE = '@eldercare/'
/** Parts whose internals are closed to everyone else (rule b). */
const CLOSED_PARTS = ['readings', 'gateway', 'platform']
/** Parts that may import only these of our packages (rule d). */
const ONLY_PROTOCOLS = ['dashboard', 'device-sim']
const EXTENSIONS = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/
const SKIP_DIRS = new Set(['node_modules', 'dist'])

// ---------------------------------------------------------------------------------------------
// Tokenizer: enough of JavaScript/TypeScript lexing to tell code from comments, strings,
// template literals and regular-expression literals.
// ---------------------------------------------------------------------------------------------

/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_KEYWORD = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await'
])

/**
 * @typedef {{ kind: 'id' | 'punct' | 'string' | 'template' | 'number' | 'regex', value: string, line: number }} Token
 * 'string' tokens carry the literal's value; 'template' tokens only a no-substitution template's.
 */

/** @param {string} src @returns {Token[]} */
export function tokenize(src) {
  /** @type {Token[]} */
  const tokens = []
  let i = 0
  let line = 1
  const n = src.length
  // Brace depth per open `${`: when a `}` closes it, lexing resumes inside the template.
  /** @type {number[]} */
  const templateStack = []
  let braceDepth = 0

  const last = () => tokens[tokens.length - 1]
  const regexAllowed = () => {
    const t = last()
    if (!t) return true
    if (t.kind === 'number' || t.kind === 'string' || t.kind === 'template' || t.kind === 'regex') return false
    if (t.kind === 'id') return REGEX_AFTER_KEYWORD.has(t.value)
    return !(t.value === ')' || t.value === ']' || t.value === '}')
  }

  /** Reads template characters from i (just after ` or the } closing a ${) to ` or ${. */
  const readTemplateChunk = (startLine) => {
    let value = ''
    while (i < n) {
      const c = src[i]
      if (c === '\\') {
        value += src.slice(i, i + 2)
        if (src[i + 1] === '\n') line++
        i += 2
        continue
      }
      if (c === '`') {
        i++
        return { value, closed: true, startLine }
      }
      if (c === '$' && src[i + 1] === '{') {
        i += 2
        return { value, closed: false, startLine }
      }
      if (c === '\n') line++
      value += c
      i++
    }
    return { value, closed: true, startLine }
  }

  while (i < n) {
    const c = src[i]
    if (c === '\n') {
      line++
      i++
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\ufeff') {
      i++
      continue
    }
    // Comments.
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++
      continue
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2)
      const stop = end === -1 ? n : end + 2
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++
      i = stop
      continue
    }
    // Hashbang.
    if (c === '#' && src[i + 1] === '!' && i === 0) {
      while (i < n && src[i] !== '\n') i++
      continue
    }
    // Strings. A quoted string cannot span lines, so a stray quote (an apostrophe in JSX text)
    // spoils at most the rest of its own line.
    if (c === '"' || c === "'") {
      const startLine = line
      let value = ''
      i++
      while (i < n && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\' && i + 1 < n) {
          if (src[i + 1] === '\n') line++
          value += src[i + 1]
          i += 2
          continue
        }
        value += src[i]
        i++
      }
      if (src[i] === c) i++
      tokens.push({ kind: 'string', value, line: startLine })
      continue
    }
    if (c === '`') {
      i++
      const chunk = readTemplateChunk(line)
      if (chunk.closed) {
        tokens.push({ kind: 'template', value: chunk.value, line: chunk.startLine })
      } else {
        tokens.push({ kind: 'punct', value: '`${', line: chunk.startLine })
        templateStack.push(braceDepth)
        braceDepth = 0
      }
      continue
    }
    if (c === '{') {
      braceDepth++
      tokens.push({ kind: 'punct', value: c, line })
      i++
      continue
    }
    if (c === '}') {
      if (braceDepth === 0 && templateStack.length > 0) {
        braceDepth = templateStack.pop() ?? 0
        i++
        const chunk = readTemplateChunk(line)
        if (!chunk.closed) {
          templateStack.push(braceDepth)
          braceDepth = 0
        }
        tokens.push({ kind: 'punct', value: chunk.closed ? '}`' : '}${', line: chunk.startLine })
        continue
      }
      braceDepth = Math.max(0, braceDepth - 1)
      tokens.push({ kind: 'punct', value: c, line })
      i++
      continue
    }
    // Regular-expression literals.
    if (c === '/' && regexAllowed()) {
      const startLine = line
      let inClass = false
      i++
      while (i < n && src[i] !== '\n') {
        const d = src[i]
        if (d === '\\') {
          i += 2
          continue
        }
        if (d === '[') inClass = true
        else if (d === ']') inClass = false
        else if (d === '/' && !inClass) break
        i++
      }
      i++
      while (i < n && /[a-z]/i.test(src[i])) i++
      tokens.push({ kind: 'regex', value: '', line: startLine })
      continue
    }
    if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      let j = i + 1
      while (j < n && /[\w$\u0080-\uffff]/.test(src[j])) j++
      tokens.push({ kind: 'id', value: src.slice(i, j), line })
      i = j
      continue
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1
      while (j < n && /[\w.]/.test(src[j])) j++
      tokens.push({ kind: 'number', value: src.slice(i, j), line })
      i = j
      continue
    }
    tokens.push({ kind: 'punct', value: c, line })
    i++
  }
  return tokens
}

// ---------------------------------------------------------------------------------------------
// Finding module specifiers in the token stream.
// ---------------------------------------------------------------------------------------------

const VI_MODULE_FNS = new Set(['mock', 'doMock', 'unmock', 'doUnmock', 'importActual', 'importMock'])

/** @param {Token | undefined} t */
const literal = (t) => (t && (t.kind === 'string' || t.kind === 'template') ? t.value : undefined)
/** @param {Token | undefined} t @param {string} v */
const isPunct = (t, v) => t !== undefined && t.kind === 'punct' && t.value === v
/** @param {Token | undefined} t @param {string} v */
const isId = (t, v) => t !== undefined && t.kind === 'id' && t.value === v

/**
 * @param {string} src
 * @returns {{ specifier: string, line: number }[]}
 */
export function findImports(src) {
  const tokens = tokenize(src)
  /** @type {{ specifier: string, line: number }[]} */
  const found = []
  const add = (t) => {
    const value = literal(t)
    if (value !== undefined && t) found.push({ specifier: value, line: t.line })
  }
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]
    if (t.kind !== 'id') continue
    const prev = tokens[k - 1]
    const next = tokens[k + 1]
    const isMember = isPunct(prev, '.') || isPunct(prev, '?.')
    if (t.value === 'import' && !isMember) {
      // import('x') — dynamic import, also `typeof import('x')` in types.
      if (isPunct(next, '(')) {
        add(tokens[k + 2])
        continue
      }
      if (isPunct(next, '.')) continue // import.meta
      // A declaration: its first string literal is the module specifier.
      for (let m = k + 1; m < tokens.length; m++) {
        const u = tokens[m]
        if (u.kind === 'string') {
          add(u)
          break
        }
        if (isPunct(u, ';') || isId(u, 'import') || isId(u, 'export')) break
        if (isId(u, 'require')) break // import x = require('x'): handled below
      }
      continue
    }
    if (t.value === 'export' && !isMember) {
      // Only `export * …from` and `export { … } from` (optionally `type`) name a module.
      let m = k + 1
      if (isId(tokens[m], 'type')) m++
      if (isPunct(tokens[m], '*')) {
        m++
        if (isId(tokens[m], 'as')) m += 2
      } else if (isPunct(tokens[m], '{')) {
        while (m < tokens.length && !isPunct(tokens[m], '}')) m++
        m++
      } else continue
      if (isId(tokens[m], 'from')) add(tokens[m + 1])
      continue
    }
    if (t.value === 'require' && !isMember && isPunct(next, '(') && isPunct(tokens[k + 3], ')')) {
      add(tokens[k + 2])
      continue
    }
    if (t.value === 'vi' && isPunct(next, '.') && VI_MODULE_FNS.has(tokens[k + 2]?.value ?? '') && isPunct(tokens[k + 3], '(')) {
      add(tokens[k + 4])
    }
  }
  return found
}

// ---------------------------------------------------------------------------------------------
// Rules.
// ---------------------------------------------------------------------------------------------

/** The top-level part a repository-relative path lies in, or undefined. */
function partOf(relPath) {
  const first = relPath.split(/[\\/]/)[0]
  return PARTS.includes(first) ? first : undefined
}

/** Test code: under a part's test/ or tests/ folder, or a *.test.* / *.spec.* file. */
function isTestFile(relPath) {
  const segments = relPath.split(/[\\/]/)
  return segments[0] === 'tests' || segments.slice(1, -1).some((s) => s === 'test' || s === 'tests' || s === '__tests__') ||
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(relPath)
}

/** Package name → part, read from each part's package.json (falling back to @eldercare/<dir>). */
function packageNames(root) {
  const map = new Map()
  for (const part of PARTS) {
    let name = `${SCOPE}${part}`
    const file = join(root, part, 'package.json')
    if (existsSync(file)) {
      try {
        name = JSON.parse(readFileSync(file, 'utf8')).name ?? name
      } catch {
        // A broken package.json is someone else's error to report.
      }
    }
    map.set(name, part)
  }
  return map
}

/**
 * @param {string} root
 * @param {string} relFile repository-relative path of the importing file
 * @param {string} specifier
 * @param {Map<string, string>} packages
 * @returns {string | undefined} the violation, if any
 */
export function checkImport(root, relFile, specifier, packages) {
  const from = partOf(relFile)
  if (from === undefined) return undefined

  // Relative (and absolute) paths.
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = resolve(root, dirname(relFile), specifier)
    const relTarget = relative(root, target)
    const to = relTarget.startsWith('..') ? undefined : partOf(relTarget)
    if (to === from) return undefined
    if (to === 'tests' && (relTarget === join('tests', 'support') || relTarget.startsWith(join('tests', 'support') + sep))) {
      if (isTestFile(relFile)) return undefined
      return `'${specifier}': only test code may import the test helpers in tests/support/`
    }
    if (from === 'protocols') return `'${specifier}': protocols/ imports nothing of ours; this path leaves protocols/`
    // Elsewhere in or outside the repository (root config files, say): not a part, no rule.
    if (to === undefined) return undefined
    if (CLOSED_PARTS.includes(to)) {
      return `'${specifier}': reaches into ${to}/ internals; import the package root ${SCOPE}${to} instead`
    }
    return `'${specifier}': relative import crosses from ${from}/ into ${to}/; parts meet through package names (${SCOPE}${to})`
  }

  // Package names.
  const match = /^(@[^/]+\/[^/]+)(\/.*)?$/.exec(specifier)
  if (!match) return undefined
  const [, pkg, subpath] = match
  const to = packages.get(pkg)
  if (to === undefined) {
    if (pkg.startsWith(SCOPE) && from === 'protocols') return `'${specifier}': protocols/ imports nothing of ours`
    return undefined
  }
  if (to === from) return undefined
  if (from === 'protocols') return `'${specifier}': protocols/ imports nothing of ours`
  if (ONLY_PROTOCOLS.includes(from) && to !== 'protocols') {
    return `'${specifier}': ${from}/ may import only ${SCOPE}protocols of ours`
  }
  if (CLOSED_PARTS.includes(to) && subpath !== undefined) {
    return `'${specifier}': reaches into ${to} internals; import the package root ${pkg} instead`
  }
  return undefined
}

function* walk(dir) {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) {
      if (SKIP_DIRS.has(entry.name) || entry.name.startsWith('.')) continue
      yield* walk(join(dir, entry.name))
    } else if (entry.isFile() && EXTENSIONS.test(entry.name)) {
      yield join(dir, entry.name)
    }
  }
}

/** @param {string} root @returns {{ files: number, imports: number, violations: string[] }} */
export function checkTree(root) {
  const packages = packageNames(root)
  const violations = []
  let files = 0
  let imports = 0
  for (const part of PARTS) {
    for (const file of walk(join(root, part))) {
      files++
      const relFile = relative(root, file)
      for (const { specifier, line } of findImports(readFileSync(file, 'utf8'))) {
        imports++
        const problem = checkImport(root, relFile, specifier, packages)
        if (problem) violations.push(`${relFile.split(sep).join('/')}:${line}: ${problem}`)
      }
    }
  }
  return { files, imports, violations }
}

function parseArgs(argv) {
  let root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--root' && argv[k + 1] !== undefined) root = resolve(argv[++k])
    else if (argv[k].startsWith('--root=')) root = resolve(argv[k].slice('--root='.length))
    else {
      console.error(`check-imports: unknown argument ${argv[k]}\nusage: node scripts/check-imports.mjs [--root DIR]`)
      process.exit(2)
    }
  }
  return { root }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { root } = parseArgs(process.argv.slice(2))
  const { files, imports, violations } = checkTree(root)
  for (const v of violations) console.log(v)
  if (violations.length > 0) {
    console.log(`check-imports: ${violations.length} boundary violation(s) in ${files} files (see ARCHITECTURE.md)`)
    process.exit(1)
  }
  console.log(`check-imports: ${files} files, ${imports} imports, no boundary violations`)
}
