// Smoke tests for the server helpers: each one really starts its server, is really talked to by
// an independent client, and really goes away on stop(). Missing Debian packages skip these on a
// developer machine and fail them on CI (requirements.ts).
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { launchChromium, needsChromium, REPO_ROOT, testOutputDir } from './chromium.ts'
import { freePort, freePorts } from './free-port.ts'
import { needsInflux, startInflux } from './influx.ts'
import { mosquittoPub, needsMosquitto, needsMosquittoClients, startMosquitto } from './mosquitto.ts'
import { needsPostgres, startPostgres } from './postgres.ts'
import { canConnect } from './process.ts'
import { needsRedis, respCommand, startRedis } from './redis.ts'
import { MissingRequirementError, needs, requireBinary } from './requirements.ts'

const postgres = needsPostgres()
const influx = needsInflux()
const redis = needsRedis()
const mosquitto = needsMosquitto()
const mosquittoClients = needsMosquittoClients()
const browser = needsChromium()

describe('free ports', () => {
  it('hands out a port nobody listens on, and distinct ports in a batch', async () => {
    const port = await freePort()
    expect(port).toBeGreaterThan(0)
    expect(await canConnect(port)).toBe(false)
    const ports = await freePorts(5)
    expect(new Set(ports).size).toBe(5)
  })
})

describe('requirements: fail on CI, skip elsewhere', () => {
  const savedCI = process.env.CI
  afterEach(() => {
    if (savedCI === undefined) delete process.env.CI
    else process.env.CI = savedCI
    vi.restoreAllMocks()
  })

  it('finds binaries by path and by name', () => {
    expect(requireBinary('/bin/sh', 'dash')).toEqual({ available: true })
    expect(requireBinary('sh', 'dash').available).toBe(true)
    const missing = requireBinary('/nonexistent/eldercare-nothing', 'eldercare-nothing-pkg')
    expect(missing.available).toBe(false)
    expect(missing.reason).toContain('apt-get install -y eldercare-nothing-pkg')
  })

  it('throws naming the Debian package when CI=true', () => {
    process.env.CI = 'true'
    expect(() => needs('thing', '/nonexistent/eldercare-nothing', 'eldercare-nothing-pkg')).toThrow(MissingRequirementError)
    expect(() => needs('thing', '/nonexistent/eldercare-nothing', 'eldercare-nothing-pkg')).toThrow(
      /apt-get install -y eldercare-nothing-pkg/
    )
  })

  it('skips with a message naming the Debian package elsewhere', () => {
    delete process.env.CI
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const req = needs('thing', '/nonexistent/eldercare-nothing', 'eldercare-nothing-pkg')
    expect(req.ok).toBe(false)
    expect(req.missingPackages).toEqual(['eldercare-nothing-pkg'])
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('apt-get install -y eldercare-nothing-pkg'))
  })
})

describe.skipIf(!postgres.ok)('postgres helper', () => {
  it('starts a throwaway cluster, creates a database in it, and removes it all on stop', async () => {
    const server = await startPostgres()
    try {
      expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`)
      const admin = new pg.Client({ connectionString: server.url })
      await admin.connect()
      const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")
      await admin.end()
      expect(rows[0]?.v).toMatch(/^15\./)

      const url = await server.createDatabase('smoke_inbox')
      expect(url).toBe(`postgres://postgres@127.0.0.1:${server.port}/smoke_inbox`)
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query('CREATE TABLE t (id int primary key)')
      await client.query('INSERT INTO t VALUES (1), (2)')
      const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM t')
      const fsync = await client.query<{ fsync: string }>('SHOW fsync')
      await client.end()
      expect(count.rows[0]?.n).toBe(2)
      expect(fsync.rows[0]?.fsync).toBe('off')
    } finally {
      await server.stop()
    }
    expect(existsSync(server.dir)).toBe(false)
    expect(await canConnect(server.port)).toBe(false)
  })
})

describe.skipIf(!influx.ok)('influx helper', () => {
  it('serves /ping, keeps its data across stop and start on the same port, and disposes', async () => {
    const server = await startInflux()
    const query = async (q: string, db?: string): Promise<string> => {
      const params = new URLSearchParams({ q, ...(db ? { db } : {}) })
      const response = await fetch(`${server.url}/query?${params}`)
      return response.text()
    }
    try {
      const ping = await fetch(`${server.url}/ping`)
      expect(ping.status).toBe(204)

      const config = readFileSync(join(server.dir, 'influx.conf'), 'utf8')
      expect(config).not.toContain('/var/lib/influxdb')
      expect(config).toMatch(/^reporting-(enabled = false|disabled = true)$/m)

      expect(await server.createDatabase('vitals')).toBe(`${server.url}/vitals`)
      const write = await fetch(`${server.url}/write?db=vitals`, { method: 'POST', body: 'hr,device=d1 bpm=72i 1700000000000000000' })
      expect(write.status).toBe(204)

      const port = server.port
      await server.stop()
      expect(server.running).toBe(false)
      expect(await canConnect(port)).toBe(false)
      await server.start()
      expect(server.running).toBe(true)
      expect(server.port).toBe(port)
      expect(await query('SELECT bpm FROM hr', 'vitals')).toContain('72')
    } finally {
      await server.dispose()
    }
    expect(existsSync(server.dir)).toBe(false)
    expect(await canConnect(server.port)).toBe(false)
  })
})

describe.skipIf(!redis.ok)('redis helper', () => {
  it('answers PING over raw RESP and goes away on stop', async () => {
    const server = await startRedis()
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
      expect(await respCommand(server.port, ['PING'])).toBe('+PONG')
      expect(await respCommand(server.port, ['SET', 'k', 'v'])).toBe('+OK')
      expect(await respCommand(server.port, ['CONFIG', 'GET', 'save'])).toBe('*2')
    } finally {
      await server.stop()
    }
    expect(existsSync(server.dir)).toBe(false)
    expect(await canConnect(server.port)).toBe(false)
  })

  // Runs a helper in a child process that then exits without calling stop(): the 'exit' handler
  // must kill the server and remove the temp dir.
  it('kills the server and removes its dir when the test process exits without stop()', async () => {
    const script = [
      `import { startRedis } from ${JSON.stringify(join(REPO_ROOT, 'tests/support/redis.ts'))}`,
      'const server = await startRedis()',
      'console.log(JSON.stringify({ port: server.port, dir: server.dir }))',
      'process.exit(0)'
    ].join('\n')
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, err).toBe(0)
    const { port, dir } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { port: number; dir: string }
    expect(port).toBeGreaterThan(0)
    expect(existsSync(dir)).toBe(false)
    // SIGKILL is asynchronous; give the kernel a moment to close the listener.
    await expect.poll(() => canConnect(port), { timeout: 5000 }).toBe(false)
  })
})

describe.skipIf(!mosquitto.ok || !mosquittoClients.ok)('mosquitto helper', () => {
  it('carries a message from mosquitto_pub to mosquitto_sub and goes away on stop', async () => {
    const broker = await startMosquitto()
    try {
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`)
      const sub = broker.sub(['-t', 'smoke/+/events', '-v', '-q', '1', '-C', '2', '-W', '10'], { timeoutMs: 15_000 })
      await sub.subscribed
      const first = await broker.pub(['-t', 'smoke/d1/events', '-q', '1', '-m', '{"type":"fall"}'])
      expect(first.code, first.stderr).toBe(0)
      const second = await mosquittoPub(['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'smoke/d2/events', '-m', 'sos'])
      expect(second.code, second.stderr).toBe(0)
      const result = await sub
      expect(result.timedOut).toBe(false)
      expect(result.code, result.stderr).toBe(0)
      expect(result.messages).toEqual(['smoke/d1/events {"type":"fall"}', 'smoke/d2/events sos'])
    } finally {
      await broker.stop()
    }
    expect(existsSync(broker.dir)).toBe(false)
    expect(await canConnect(broker.port)).toBe(false)
  })

  it('reports a client that cannot connect, without hanging', async () => {
    const port = await freePort()
    const result = await mosquittoPub(['-h', '127.0.0.1', '-p', String(port), '-t', 'x', '-m', 'y'], { timeoutMs: 10_000 })
    expect(result.timedOut).toBe(false)
    expect(result.code).not.toBe(0)
  })
})

describe.skipIf(!browser.ok)('chromium helper', () => {
  it('renders a data: URL page headless and saves a screenshot under test-output/', async () => {
    const chromium = await launchChromium()
    try {
      const page = await chromium.newPage()
      await page.goto('data:text/html,<title>smoke</title><h1 id="h">Help is coming</h1>')
      expect(await page.title()).toBe('smoke')
      expect(await page.textContent('#h')).toBe('Help is coming')
      const file = join(testOutputDir('support-smoke'), 'chromium.png')
      rmSync(file, { force: true })
      await page.screenshot({ path: file })
      expect(statSync(file).size).toBeGreaterThan(0)
      expect(file.startsWith(join(REPO_ROOT, 'test-output'))).toBe(true)
    } finally {
      await chromium.close()
    }
  })
})
