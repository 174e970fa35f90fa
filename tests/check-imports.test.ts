// The import-boundary check (scripts/check-imports.mjs) run on small trees made for the purpose:
// every rule is shown catching its violation, and every allowed import is shown passing.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const SCRIPT = fileURLToPath(new URL('../scripts/check-imports.mjs', import.meta.url))
const PARTS = ['protocols', 'common', 'readings', 'gateway', 'platform', 'dashboard', 'device-sim', 'tests']

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

/** Writes a tree (path → content) with a package.json per part, as in the real repository. */
function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'eldercare-imports-'))
  roots.push(root)
  const all: Record<string, string> = {}
  for (const part of PARTS) all[`${part}/package.json`] = JSON.stringify({ name: `@eldercare/${part}` })
  Object.assign(all, files)
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

function check(root: string): { code: number | null; lines: string[] } {
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8', timeout: 30_000 })
  return { code: result.status, lines: result.stdout.trim().split('\n').filter(Boolean) }
}

/** The `file:line` of each reported violation. */
function where(lines: string[]): string[] {
  return lines.filter((l) => !l.startsWith('check-imports:')).map((l) => l.split(': ')[0] ?? '')
}

describe('import boundaries', () => {
  it('passes a tree that keeps to the rules, with a one-line summary', () => {
    const root = makeTree({
      'protocols/src/index.ts': "export * from './topics.ts'\nimport { Type } from '@sinclair/typebox'\n",
      'protocols/src/topics.ts': "export const t = 'devices/+/events'\n",
      'gateway/src/index.ts': "import { t } from '@eldercare/protocols'\nimport { a } from './broker/acl.ts'\n",
      'gateway/src/broker/acl.ts': "export const a = 1\nexport { t } from '@eldercare/protocols'\n",
      'gateway/test/acl.test.ts': "import { startPostgres } from '../../tests/support/postgres.ts'\nimport { a } from '../src/broker/acl.ts'\n",
      'platform/src/app.ts': "import { createGateway } from '@eldercare/gateway'\nconst m = await import('node:fs')\n",
      'dashboard/src/app.tsx': "import { t } from '@eldercare/protocols'\nexport const App = () => <p>Don't panic, it's 'fine'</p>\n",
      'dashboard/src/app.test.tsx': "import { launchChromium } from '../../tests/support/chromium.ts'\n",
      'device-sim/src/sim.ts': "import mqtt from 'mqtt'\nimport { t } from '@eldercare/protocols'\n",
      'tests/e2e/flow.test.ts': "import { buildApp } from '@eldercare/platform'\nimport { startRedis } from '../support/redis.ts'\n",
      'tests/support/redis.ts': "export const startRedis = 1\n",
      'gateway/node_modules/x/index.js': "import '../../../platform/src/app.ts'\n",
      'platform/dist/app.js': "import '../../gateway/src/internal.js'\n",
      'common/src/index.ts': "import { randomBytes } from 'node:crypto'\nimport type { TOPIC_PREFIX } from '@eldercare/protocols'\n",
      'readings/src/index.ts': "import { EnvReader } from '@eldercare/common'\nimport { t } from '@eldercare/protocols'\n",
      'gateway/src/ingest.ts': "import { Readings } from '@eldercare/readings'\nimport { verifyDeviceSecret } from '@eldercare/common'\n",
      'platform/src/vitals.ts': "import type { Readings } from '@eldercare/readings'\nimport { EnvReader } from '@eldercare/common'\n"
    })
    const { code, lines } = check(root)
    expect(lines).toEqual([expect.stringMatching(/^check-imports: 15 files, \d+ imports, no boundary violations, no import cycles$/)])
    expect(code).toBe(0)
  })

  it('(a) protocols imports nothing of ours', () => {
    const root = makeTree({
      'protocols/src/index.ts': [
        "import { x } from '@eldercare/gateway'",
        "import type { Y } from '@eldercare/anything-else'",
        "import { z } from '../../platform/src/z.ts'",
        "export { w } from '../../shared/w.ts'"
      ].join('\n')
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(where(lines)).toEqual(['protocols/src/index.ts:1', 'protocols/src/index.ts:2', 'protocols/src/index.ts:3', 'protocols/src/index.ts:4'])
    expect(lines[0]).toContain('protocols/ imports nothing of ours')
  })

  it('(b) gateway and platform internals are closed; their package roots are open', () => {
    const root = makeTree({
      'platform/src/a.ts': "import { acl } from '@eldercare/gateway/src/acl.ts'\nimport { g } from '@eldercare/gateway'\n",
      'tests/b.test.ts': "import { engine } from '@eldercare/platform/src/engine.ts'\nimport { p } from '@eldercare/platform'\n",
      'gateway/src/c.ts': "import { p } from '@eldercare/platform/routes'\n"
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(where(lines)).toEqual(['gateway/src/c.ts:1', 'platform/src/a.ts:1', 'tests/b.test.ts:1'])
    expect(lines.join('\n')).toContain("reaches into gateway internals; import the package root @eldercare/gateway")
  })

  it('(c) no relative import crosses parts, whatever its form', () => {
    const root = makeTree({
      'platform/src/a.ts': [
        "import { acl } from '../../gateway/src/acl.ts'", // 1
        "import '../../protocols/src/index.ts'", // 2
        "export * from '../../device-sim/src/sim.ts'", // 3
        "export type { T } from '../../protocols/src/dto.ts'", // 4
        'const lazy = await import(', // 5
        "  '../../gateway/src/lazy.ts'", // 6
        ')',
        "const req = require('../../gateway/src/cjs.js')", // 8
        'import {',
        '  a,',
        '  b',
        "} from '../../tests/e2e/helpers.ts'", // 12
        'const t = await import(`../../gateway/src/tpl.ts`)' // 13
      ].join('\n'),
      'tests/m.test.ts': "vi.mock('../gateway/src/acl.ts', () => ({}))\n",
      'gateway/src/uses-support.ts': "import { startRedis } from '../../tests/support/redis.ts'\n"
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(where(lines)).toEqual([
      'gateway/src/uses-support.ts:1',
      'platform/src/a.ts:1',
      'platform/src/a.ts:2',
      'platform/src/a.ts:3',
      'platform/src/a.ts:4',
      'platform/src/a.ts:6',
      'platform/src/a.ts:8',
      'platform/src/a.ts:12',
      'platform/src/a.ts:13',
      'tests/m.test.ts:1'
    ])
    expect(lines.join('\n')).toContain('only test code may import the test helpers in tests/support/')
    expect(lines.join('\n')).toContain('relative import crosses from platform/ into protocols/')
  })

  it('(d) dashboard and device-sim import only @eldercare/protocols of ours', () => {
    const root = makeTree({
      'dashboard/src/api.ts': "import { buildApp } from '@eldercare/platform'\nimport type { X } from '@eldercare/gateway'\nimport { hashDeviceSecret } from '@eldercare/common'\n",
      'device-sim/src/run.ts': "import { startGateway } from '@eldercare/gateway'\nimport { t } from '@eldercare/protocols'\nimport { Readings } from '@eldercare/readings'\n"
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(where(lines)).toEqual(['dashboard/src/api.ts:1', 'dashboard/src/api.ts:2', 'dashboard/src/api.ts:3', 'device-sim/src/run.ts:1', 'device-sim/src/run.ts:3'])
    expect(lines[0]).toContain('dashboard/ may import only @eldercare/protocols of ours')
  })

  it('(d) common imports only protocols; readings only protocols and common; gateway never the platform', () => {
    const root = makeTree({
      'common/src/env.ts': "import { t } from '@eldercare/protocols'\nimport { Gateway } from '@eldercare/gateway'\nimport type { Readings } from '@eldercare/readings'\n",
      'readings/src/store.ts': "import { EnvReader } from '@eldercare/common'\nimport type { Gateway } from '@eldercare/gateway'\nimport { buildApp } from '@eldercare/platform'\n",
      'gateway/src/main.ts': "import { Readings } from '@eldercare/readings'\nimport { buildApp } from '@eldercare/platform'\nimport { x } from '@eldercare/readings/src/detect/falls.ts'\n"
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(where(lines)).toEqual([
      'common/src/env.ts:2', 'common/src/env.ts:3',
      'readings/src/store.ts:2', 'readings/src/store.ts:3',
      'gateway/src/main.ts:2', 'gateway/src/main.ts:3'
    ])
    expect(lines[0]).toContain('common/ may import only @eldercare/protocols of ours')
    expect(lines[2]).toContain('readings/ may import only @eldercare/protocols, @eldercare/common of ours')
    expect(lines[5]).toContain('reaches into readings internals; import the package root @eldercare/readings instead')
  })

  it('(e) browser code (dashboard/src, protocols/src) imports no Node built-in; tests and CLIs may', () => {
    const root = makeTree({
      'protocols/src/dto.ts': "import { randomUUID } from 'node:crypto'\nimport { Type } from '@sinclair/typebox'\n",
      'protocols/conformance/check.ts': "import { readFileSync } from 'node:fs'\n",
      'dashboard/src/lib/save.ts': "import path from 'path'\nexport const x = () => import('node:fs/promises')\n",
      'dashboard/src/lib/save.test.ts': "import { readFileSync } from 'node:fs'\n",
      'dashboard/vite.config.ts': "import { fileURLToPath } from 'node:url'\n",
      'common/src/env.ts': "import { readFileSync } from 'node:fs'\n"
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(where(lines)).toEqual(['protocols/src/dto.ts:1', 'dashboard/src/lib/save.ts:1', 'dashboard/src/lib/save.ts:2'])
    expect(lines[0]).toContain("'node:crypto': protocols/src/ runs in the browser (the console bundles it); no Node built-ins")
  })

  it('(f) rejects an import cycle inside a part, reported once as a file chain', () => {
    const root = makeTree({
      'platform/src/auth.ts': "import type { Types } from './types.ts'\nexport const auth = 1\n",
      'platform/src/types.ts': "import { realtime } from './realtime.ts'\nexport type Types = number\n",
      'platform/src/realtime.ts': "\n\nimport { auth } from './auth.ts'\nexport const realtime = 2\n",
      'platform/src/app.ts': "import { auth } from './auth.ts'\nimport { realtime } from './realtime.ts'\n"
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(lines.filter((l) => l.includes('import cycle:'))).toEqual([
      'platform/src/auth.ts:1: import cycle: platform/src/auth.ts → platform/src/types.ts → platform/src/realtime.ts → platform/src/auth.ts'
    ])
    expect(lines.at(-1)).toContain('0 boundary violation(s) and 1 import cycle(s)')
  })

  it('(f) a cycle closed only through type imports, export-from or dynamic import() is still a cycle', () => {
    const root = makeTree({
      'gateway/src/gateway.ts': "import type { Handler } from './handlers/index.ts'\nexport class Gateway {}\n",
      'gateway/src/handlers/index.ts': "export type { Gateway } from '../gateway.ts'\nexport type Handler = () => void\n",
      'readings/src/a.ts': "export type B = typeof import('./b.ts')\n",
      'readings/src/b.ts': "export const load = () => import('./a.ts')\n",
      'device-sim/src/x.ts': "import { y } from './y.js'\nexport const x = 1\n",
      'device-sim/src/y.ts': "export { x as y } from './x.ts'\n"
    })
    const { code, lines } = check(root)
    expect(code).toBe(1)
    expect(lines.filter((l) => l.includes('import cycle:'))).toEqual([
      'readings/src/a.ts:1: import cycle: readings/src/a.ts → readings/src/b.ts → readings/src/a.ts',
      'gateway/src/gateway.ts:1: import cycle: gateway/src/gateway.ts → gateway/src/handlers/index.ts → gateway/src/gateway.ts',
      'device-sim/src/x.ts:1: import cycle: device-sim/src/x.ts → device-sim/src/y.ts → device-sim/src/x.ts'
    ])
  })

  it('(f) reports a knot of several loops once, naming every file it ties', () => {
    const root = makeTree({
      'gateway/src/a.ts': "import './b.ts'\n",
      'gateway/src/b.ts': "import './a.ts'\nimport './c.ts'\n",
      'gateway/src/c.ts': "import './d.ts'\n",
      'gateway/src/d.ts': "import './b.ts'\nimport './e.ts'\n",
      'gateway/src/e.ts': "export const leaf = 1\n",
      'gateway/src/self.ts': "import './self.ts'\n"
    })
    const { lines } = check(root)
    expect(lines.filter((l) => l.includes('import cycle:'))).toEqual([
      'gateway/src/a.ts:1: import cycle: gateway/src/a.ts → gateway/src/b.ts → gateway/src/a.ts; other loops tie 4 files: gateway/src/a.ts, gateway/src/b.ts, gateway/src/c.ts, gateway/src/d.ts',
      'gateway/src/self.ts:1: import cycle: gateway/src/self.ts → gateway/src/self.ts'
    ])
  })

  it('(f) imports between parts and of packages form no cycle of a part', () => {
    const root = makeTree({
      'gateway/src/index.ts': "export * from './gateway.ts'\nimport '@eldercare/gateway'\n",
      'gateway/src/gateway.ts': "import { t } from '@eldercare/protocols'\nexport const g = t\n",
      'protocols/src/index.ts': "export const t = 1\n",
      'tests/g.test.ts': "import { g } from '@eldercare/gateway'\nimport { h } from './h.ts'\n",
      'tests/h.ts': "export const h = 1\n"
    })
    const { code, lines } = check(root)
    expect(lines).toEqual([expect.stringMatching(/no import cycles$/)])
    expect(code).toBe(0)
  })

  it('ignores look-alikes in comments, strings, templates and regular expressions', () => {
    const root = makeTree({
      'platform/src/quiet.ts': [
        "// import { x } from '../../gateway/src/x.ts'",
        "/* export * from '../../gateway/src/y.ts' */",
        "const fixture = \"import { z } from '../../gateway/src/z.ts'\"",
        "const tpl = `import('../../gateway/src/t.ts') ${1 + 1} require('../../gateway/src/r.js')`",
        "const re = /import '..\\/gateway'/g",
        "const ratio = 4 / 2 / 1; const s = 'import(\"../../gateway/src/q.ts\")'",
        'obj.import("../../gateway/src/member.ts"); obj.require("../../gateway/src/m.js")',
        'const meta = import.meta.url',
        "const keys = { import: '../../gateway/src/key.ts', require: 1 }",
        "import { fine } from './fine.ts'"
      ].join('\n'),
      'platform/src/fine.ts': 'export const fine = 1\n',
      'dashboard/src/text.tsx': [
        "export const Help = () => <p>To import '@eldercare/platform', don't; import('../../gateway/src/x.ts') is text</p>",
        "export const Other = () => <code>{'require(\"../../gateway/src/r.js\")'}</code>"
      ].join('\n')
    })
    const { code, lines } = check(root)
    expect(lines).toEqual([expect.stringMatching(/no boundary violations, no import cycles$/)])
    expect(code).toBe(0)
  })

  it('rejects an unknown argument', () => {
    const result = spawnSync(process.execPath, [SCRIPT, '--bogus'], { encoding: 'utf8' })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('usage')
  })
})
