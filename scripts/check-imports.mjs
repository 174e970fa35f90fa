#!/usr/bin/env node
// Import-boundary check, run by `npm test` (through `npm run check`). The parts meet only through
// package names and the contracts in protocols/ (ARCHITECTURE.md; Playwright's check-deps does
// the same job there). Rules:
//
//   (a) protocols/ imports nothing of ours: no @eldercare/* and no relative path leaving protocols/.
//   (b) Nothing reaches into another part's internals: `@eldercare/<part>/<subpath>` is an error,
//       the package root `@eldercare/<part>` is fine. One exception, TEST_ENTRIES: the gateway's
//       `/testing` entry (its store and detector, driven directly by tests and benchmarks), which
//       only tests/ may import, so the platform cannot come to lean on it.
//   (c) No relative import crosses from one top-level part into another; parts meet through
//       package names. The one exception: test code of any part may import the shared test
//       helpers in tests/support/ by relative path (production code may not).
//   (d) Each part imports only the parts of ours that ALLOWED lists for it: the dashboard talks
//       REST and socket.io and the simulator MQTT and REST, so both use protocols/ only; common/
//       (Node-only helpers) and readings/ (the readings store and detection) sit under the
//       gateway and the platform.
//   (e) Browser code imports no Node built-in (node:fs, path, …): the production files of
//       dashboard/src/ and of protocols/src/ (which the console bundles). Tests and CLIs may.
//   (f) No import cycle inside a part. Type-only imports count: a cycle closed through types
//       still ties the files together for a reader and for the next refactoring.
//
// Imports are read from the syntax tree of the TypeScript compiler (so specifiers inside comments,
// strings and template literals are not mistaken for imports): import … from, import '…',
// import type, export … from, import('…'), typeof import('…'), require('…'),
// import x = require('…'), and vi.mock/doMock/unmock/doUnmock/importActual/importMock('…').
//
// Usage: node scripts/check-imports.mjs [--root DIR]   (default: the repository root)
// Exit 1 and one `file:line: message` per violation or cycle; exit 0 and a one-line summary otherwise.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { isBuiltin } from 'node:module'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** Our packages each part may import (rule d); `tests` may import any package root. */
const ALLOWED = {
  protocols: [],
  common: ['protocols'],
  readings: ['protocols', 'common'],
  gateway: ['protocols', 'common', 'readings'],
  platform: ['protocols', 'common', 'readings', 'gateway'],
  dashboard: ['protocols'],
  'device-sim': ['protocols'],
  tests: null
}
const PARTS = Object.keys(ALLOWED)
/** Entries for tests only (rule b): what tests/ drives below a part's public interface. */
const TEST_ENTRIES = new Set(['@eldercare/gateway/testing'])
const SCOPE = '@eldercare/'
const EXTENSIONS = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/
const SKIP_DIRS = new Set(['node_modules', 'dist'])
/** Folders whose production code runs in the browser (rule e). */
const BROWSER_DIRS = ['dashboard/src/', 'protocols/src/']
const VI_MODULE_FNS = new Set(['mock', 'doMock', 'unmock', 'doUnmock', 'importActual', 'importMock'])

const posix = (path) => path.split(sep).join('/')

// ---------------------------------------------------------------------------------------------
// Finding module specifiers in the syntax tree.
// ---------------------------------------------------------------------------------------------

function scriptKind(fileName) {
  if (/\.tsx$/.test(fileName)) return ts.ScriptKind.TSX
  if (/\.jsx$/.test(fileName)) return ts.ScriptKind.JSX
  if (/\.[cm]?js$/.test(fileName)) return ts.ScriptKind.JS
  return ts.ScriptKind.TS
}

const isLiteral = (node) => node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))

/**
 * @param {string} src
 * @param {string} [fileName] decides the dialect (.tsx/.jsx parse JSX)
 * @returns {{ specifier: string, line: number }[]}
 */
export function findImports(src, fileName = 'file.ts') {
  const sf = ts.createSourceFile(fileName, src, ts.ScriptTarget.Latest, false, scriptKind(fileName))
  /** @type {{ specifier: string, line: number }[]} */
  const found = []
  const add = (node) => {
    if (!isLiteral(node)) return
    found.push({ specifier: node.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 })
  }
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal)
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression
      const first = node.arguments[0]
      if (callee.kind === ts.SyntaxKind.ImportKeyword) add(first)
      else if (ts.isIdentifier(callee) && callee.text === 'require' && node.arguments.length === 1) add(first)
      else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'vi' &&
        VI_MODULE_FNS.has(callee.name.text)) add(first)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return found
}

// ---------------------------------------------------------------------------------------------
// Rules (a)–(e): one import at a time.
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

  if (isBuiltin(specifier) && BROWSER_DIRS.some((d) => posix(relFile).startsWith(d)) && !isTestFile(relFile)) {
    return `'${specifier}': ${from}/src/ runs in the browser (the console bundles it); no Node built-ins`
  }

  // Relative (and absolute) paths.
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const relTarget = relative(root, resolve(root, dirname(relFile), specifier))
    const to = relTarget.startsWith('..') ? undefined : partOf(relTarget)
    if (to === from) return undefined
    if (to === 'tests' && (relTarget === join('tests', 'support') || relTarget.startsWith(join('tests', 'support') + sep))) {
      if (isTestFile(relFile)) return undefined
      return `'${specifier}': only test code may import the test helpers in tests/support/`
    }
    if (from === 'protocols') return `'${specifier}': protocols/ imports nothing of ours; this path leaves protocols/`
    // Elsewhere in or outside the repository (root config files, say): not a part, no rule.
    if (to === undefined) return undefined
    return `'${specifier}': relative import crosses from ${from}/ into ${to}/; parts meet through package names (${SCOPE}${to})`
  }

  // Package names.
  const match = /^(@[^/]+\/[^/]+)(\/.*)?$/.exec(specifier)
  if (!match) return undefined
  const [, pkg, subpath] = match
  const to = packages.get(pkg)
  if (from === 'protocols' && (to !== undefined || pkg.startsWith(SCOPE)) && to !== from) {
    return `'${specifier}': protocols/ imports nothing of ours`
  }
  if (to === undefined || to === from) return undefined
  const allowed = ALLOWED[from]
  if (allowed !== null && !allowed.includes(to)) {
    const list = allowed.map((p) => `${SCOPE}${p}`).join(', ')
    return `'${specifier}': ${from}/ may import only ${list} of ours`
  }
  if (subpath !== undefined && !(from === 'tests' && TEST_ENTRIES.has(specifier))) {
    return `'${specifier}': reaches into ${to} internals; import the package root ${pkg} instead`
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Rule (f): cycles among the files of one part.
// ---------------------------------------------------------------------------------------------

/** The file a relative specifier names, among `files` (TypeScript's `.js` → `.ts` and index rules). */
function resolveFile(absFrom, specifier, files) {
  const base = resolve(dirname(absFrom), specifier)
  const candidates = [base, base.replace(/\.([cm]?)js(x?)$/, '.$1ts$2'), ...['.ts', '.tsx', '.js', '/index.ts', '/index.tsx', '/index.js'].map((e) => base + e)]
  return candidates.find((c) => files.has(c))
}

/**
 * Strongly connected components (Tarjan), then one shortest cycle per component through its
 * first file, so each knot is reported once however many loops run through it.
 * @param {Map<string, Map<string, number>>} graph file → (imported file → line of the import)
 * @returns {{ chain: string[], knot: string[] }[]} each cycle as a file chain that ends where it
 *   starts, with every file of its component (more than the chain when several loops meet)
 */
export function findCycles(graph) {
  let index = 0
  const order = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const components = []
  const strongConnect = (v) => {
    // Iterative, so a long import chain cannot overflow the call stack.
    const work = [[v, [...(graph.get(v)?.keys() ?? [])], 0]]
    order.set(v, index); low.set(v, index); index++; stack.push(v); onStack.add(v)
    while (work.length > 0) {
      const frame = work[work.length - 1]
      const [node, next] = frame
      if (frame[2] < next.length) {
        const w = next[frame[2]++]
        if (!order.has(w)) {
          order.set(w, index); low.set(w, index); index++; stack.push(w); onStack.add(w)
          work.push([w, [...(graph.get(w)?.keys() ?? [])], 0])
        } else if (onStack.has(w)) {
          low.set(node, Math.min(low.get(node), order.get(w)))
        }
        continue
      }
      work.pop()
      if (work.length > 0) {
        const parent = work[work.length - 1][0]
        low.set(parent, Math.min(low.get(parent), low.get(node)))
      }
      if (low.get(node) === order.get(node)) {
        const component = []
        let w
        do {
          w = stack.pop()
          onStack.delete(w)
          component.push(w)
        } while (w !== node)
        const selfLoop = component.length === 1 && graph.get(node)?.has(node)
        if (component.length > 1 || selfLoop) components.push(component.sort())
      }
    }
  }
  for (const v of [...graph.keys()].sort()) if (!order.has(v)) strongConnect(v)

  return components.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((knot) => ({ chain: shortestCycle(graph, knot), knot }))
}

/** The shortest chain from the knot's first file back to it, through files of the knot only. */
function shortestCycle(graph, component) {
  const members = new Set(component)
  const start = component[0]
  const previous = new Map()
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()
    for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
      if (!members.has(w)) continue
      if (w === start) {
        const chain = [start]
        for (let u = v; u !== start; u = previous.get(u)) chain.unshift(u)
        return [start, ...chain]
      }
      if (!previous.has(w)) {
        previous.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}

// ---------------------------------------------------------------------------------------------
// The tree.
// ---------------------------------------------------------------------------------------------

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

/** @param {string} root @returns {{ files: number, imports: number, violations: string[], cycles: string[] }} */
export function checkTree(root) {
  const packages = packageNames(root)
  const violations = []
  const cycles = []
  let files = 0
  let imports = 0
  for (const part of PARTS) {
    const partFiles = new Set(walk(join(root, part)))
    /** @type {Map<string, Map<string, number>>} */
    const graph = new Map()
    for (const file of partFiles) {
      files++
      const relFile = relative(root, file)
      const edges = new Map()
      graph.set(file, edges)
      for (const { specifier, line } of findImports(readFileSync(file, 'utf8'), file)) {
        imports++
        const problem = checkImport(root, relFile, specifier, packages)
        if (problem) violations.push(`${posix(relFile)}:${line}: ${problem}`)
        if (specifier.startsWith('.')) {
          const target = resolveFile(file, specifier, partFiles)
          if (target !== undefined && !edges.has(target)) edges.set(target, line)
        }
      }
    }
    for (const { chain, knot } of findCycles(graph)) {
      const rel = (f) => posix(relative(root, f))
      const line = graph.get(chain[0])?.get(chain[1]) ?? 1
      const more = knot.length > chain.length - 1 ? `; other loops tie ${knot.length} files: ${knot.map(rel).join(', ')}` : ''
      cycles.push(`${rel(chain[0])}:${line}: import cycle: ${chain.map(rel).join(' → ')}${more}`)
    }
  }
  return { files, imports, violations, cycles }
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
  const { files, imports, violations, cycles } = checkTree(root)
  for (const line of [...violations, ...cycles]) console.log(line)
  if (violations.length > 0 || cycles.length > 0) {
    console.log(`check-imports: ${violations.length} boundary violation(s) and ${cycles.length} import cycle(s) in ${files} files (see ARCHITECTURE.md)`)
    process.exit(1)
  }
  console.log(`check-imports: ${files} files, ${imports} imports, no boundary violations, no import cycles`)
}
