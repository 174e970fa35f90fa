// The production build (docs/deployment.md): `npm run build:packages` compiles every package into
// its dist/, and the compiled platform starts in the embedded mode — the process `npm run
// start:prod` and the image run — and answers readiness and liveness. It runs with no TypeScript
// loader at all: Node 20 cannot load a .ts file without one, and on Node ≥ 22.6 type stripping
// is switched off, so one module resolved to src/ instead of dist/ fails the start.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeNodeFlags } from '../support/nodes.ts'
import { makeTempDir, spawnServer, waitUntilReady, type ServerProcess } from '../support/process.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const [major, minor] = process.versions.node.split('.').map(Number)
const CAN_STRIP_TYPES = major > 22 || (major === 22 && minor >= 6)

describe('compiled platform (npm run build:packages, then node on dist/)', () => {
  let server: ServerProcess
  let http = 0

  beforeAll(async () => {
    // tsc -b is incremental: after `npm run build` (CI does it first) this only checks dates.
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: ROOT, timeout: 240_000 })
    await run(process.execPath, [join(ROOT, 'scripts/build-dist.mjs')], { cwd: ROOT, timeout: 30_000 })
    const data = makeTempDir('prod-build')
    const env: NodeJS.ProcessEnv = { ...process.env, HTTP_PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0', DATA_DIR: data.dir, HOST: '127.0.0.1', DEMO: 'on', ADMIN_PASSWORD: 'prod-build-test-pw' }
    // Nothing inherited may bring a loader back (e.g. NODE_OPTIONS=--import tsx).
    delete env.NODE_OPTIONS
    // the runtime's flags, as start:prod gives them and the image's NODE_OPTIONS
    const args = [...runtimeNodeFlags(), '--conditions=@eldercare/compiled', ...(CAN_STRIP_TYPES ? ['--no-experimental-strip-types'] : []), join(ROOT, 'platform/dist/main.js')]
    server = spawnServer('compiled platform', process.execPath, args, { cwd: data.dir, env })
    await waitUntilReady('compiled platform', async () => {
      const m = /"http":(\d+)/.exec(server.logTail(200))
      if (m) http = Number(m[1])
      return http > 0
    }, { process: server, timeoutMs: 90_000, intervalMs: 200 })
  }, 360_000)

  afterAll(async () => {
    await server?.kill('SIGTERM', 10_000)
  })

  it('emits JavaScript only: dist/ imports .js, and the SQL migrations are copied beside migrate.js', () => {
    const main = readFileSync(join(ROOT, 'platform/dist/main.js'), 'utf8')
    expect(main).toContain('from "./embedded.js"')
    expect(main).not.toMatch(/from "\.[^"]*\.ts"/)
    expect(existsSync(join(ROOT, 'platform/dist/db/migrations/0001_foundation.sql'))).toBe(true)
  })

  it('answers /api/health (ready: every component answers) and /api/live', async () => {
    const health = await fetch(`http://127.0.0.1:${http}/api/health`)
    const body = await health.json() as { status: string, components: Record<string, { status: string }> }
    expect(health.status, JSON.stringify(body)).toBe(200)
    expect(body.status).toBe('ok')
    expect(Object.keys(body.components)).toContain('database')
    const live = await fetch(`http://127.0.0.1:${http}/api/live`)
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: 'ok' })
  })

  it('serves the API docs and signs the administrator in', async () => {
    const login = await fetch(`http://127.0.0.1:${http}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'prod-build-test-pw' })
    })
    expect(login.status, await login.clone().text()).toBe(200)
    expect((await fetch(`http://127.0.0.1:${http}/docs/json`)).status).toBe(200)
  })

  it('stops cleanly on SIGTERM', async () => {
    await server.kill('SIGTERM', 10_000)
    expect(await server.exited).toEqual({ code: 0, signal: null })
  })
})
