/**
 * Bulk CSV imports beside the alarm lane (issue 11: nothing else — telemetry, bookkeeping,
 * imports, reports — may delay an alarm; npm run bench:imports). An administrator registers a
 * district's fleet through `POST /api/import/{areas,sites,residents,devices}`: 10 streets × 10
 * communities, `--rows` homes, as many residents (id number, phone, two contacts, a key-safe code:
 * the encrypted columns) and as many wearables — on PGlite (in files under a temporary DATA_DIR,
 * as `npm start` keeps it) and on PostgreSQL 15.
 *
 *   npm run bench:imports [-- --rows 10000 --db both|pglite|postgres]
 *
 * Then the lists an operator opens on that registry (GET /api/devices, /api/residents, /api/sites).
 *
 * Prints per import or list and database: how long it took; meanwhile, how long an alarm-lane statement
 * (`select 1`, issued every 2 ms: what a fall's inbox insert waits for) waited, and how long a fall
 * sent every 20 ms by a connected fall detector took from its PUBLISH to its PUBACK (p50, p99,
 * max); and the longest the event loop was held (perf_hooks' event-loop delay: the time no MQTT
 * socket could be read) — then a JSON line. A command, not a test: its figures go to
 * docs/benchmarks.md.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { request } from 'node:http'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import type { SimDevice } from '@eldercare/device-sim'
import { seedFallingHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { probeAlarmLane, spread } from './alarm-lane-probe.ts'
import { needsPostgres, startPostgres } from '../support/postgres.ts'

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' }, db: { type: 'string', default: 'both' } } })
const ROWS = Number(values.rows)
if (!Number.isInteger(ROWS) || ROWS < 100 || ROWS > 50_000 || !['both', 'pglite', 'postgres'].includes(String(values.db))) {
  console.error('usage: npm run bench:imports -- [--rows N (100 to 50000: the import\'s limit per file)] [--db both|pglite|postgres]')
  process.exit(2)
}

const STREETS = 10
const COMMUNITIES = 100
const pad = (i: number) => String(i).padStart(6, '0')
const csv = (rows: Array<Array<string | number>>) => Buffer.from(rows.map((r) => r.join(',')).join('\n') + '\n')

/** A valid 18-digit resident identity number (GB 11643 check digit) for index i. */
function idNumber (i: number): string {
  const body = `110101${1930 + (i % 30)}0101${String(i % 1000).padStart(3, '0')}`
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((s, d, k) => s + Number(d) * w[k]!, 0)
  return body + '10X98765432'[sum % 11]
}
const phone = (i: number) => `13${String(100000000 + i).slice(-9)}`

interface Figure { db: string, op: string, rows: number, ms: number, waitP50Ms: number, waitP99Ms: number, waitMaxMs: number, waits: number, pubackP50Ms: number, pubackP99Ms: number, pubackMaxMs: number, falls: number, loopMaxMs: number, loopP99Ms: number }

const round = (x: number) => Math.round(x * 10) / 10

/**
 * Runs `what` while an alarm-lane statement waits its turn every 2 ms, a fall detector sends a
 * fall (QoS 1) every 20 ms — each timed from its PUBLISH to its PUBACK, which the gateway gives once
 * the fall is in the durable inbox [P-4.1] — and the event loop's delay is sampled.
 */
async function beside (p: TestPlatform, device: SimDevice, what: () => Promise<unknown>): Promise<Omit<Figure, 'db' | 'op' | 'rows'>> {
  const pubacks: number[] = []
  let done = false
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const probe = probeAlarmLane(p.db)
  const falls = (async () => {
    while (!done) {
      const t = performance.now()
      await device.event('fall', { confidence: 0.9 })
      pubacks.push(performance.now() - t)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  const t0 = performance.now()
  let waits: number[]
  try {
    await what()
  } finally {
    done = true
    ;[waits] = await Promise.all([probe.stop(), falls])
    loop.disable()
  }
  const ms = performance.now() - t0
  const w = spread(waits)
  const pa = spread(pubacks)
  return {
    ms: Math.round(ms), waits: w.count, waitP50Ms: round(w.p50), waitP99Ms: round(w.p99), waitMaxMs: round(w.max),
    falls: pa.count, pubackP50Ms: round(pa.p50), pubackP99Ms: round(pa.p99), pubackMaxMs: round(pa.max),
    loopMaxMs: round(loop.max / 1e6), loopP99Ms: round(loop.percentile(99) / 1e6)
  }
}

async function benchOn (db: string, p: TestPlatform): Promise<Figure[]> {
  await p.api.login()
  // The file leaves as bytes made before the clock starts, through node:http: what the benchmark
  // measures is the platform's work, not a client in its process encoding 7 MB.
  const post = (kind: string, body: Buffer): Promise<void> => new Promise((resolve, reject) => {
    const req = request(`${p.httpUrl}/api/import/${kind}`, { method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': body.length, authorization: `Bearer ${p.api.token}` } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => res.statusCode === 201 ? resolve() : reject(new Error(`import ${kind}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 400)}`)))
    })
    req.on('error', reject)
    req.end(body)
  })
  const root = (await p.api.get<{ items: Array<{ id: string, depth: number }> }>('/api/areas')).items.find((a) => a.depth === 0)!
  const areas = csv([['id', 'name', 'level', 'parent_id'], ['bi-d', '导入区', 'district', root.id],
    ...Array.from({ length: STREETS }, (_, s) => [`bi-s${s}`, `导入街道 ${s}`, 'street', 'bi-d']),
    ...Array.from({ length: COMMUNITIES }, (_, c) => [`bi-c${c}`, `导入社区 ${c}`, 'community', `bi-s${c % STREETS}`])])
  const sites = csv([['id', 'name', 'kind', 'area_id', 'address'],
    ...Array.from({ length: ROWS }, (_, i) => [`bi-h${pad(i)}`, `家庭 ${pad(i)}`, 'home', `bi-c${i % COMMUNITIES}`, `导入路 ${i} 号`])])
  const residents = csv([['id', 'name', 'site_id', 'sex', 'birth_date', 'id_number', 'phone', 'flags', 'conditions', 'key_safe_code', 'contact1_name', 'contact1_phone', 'contact1_relation', 'contact2_name', 'contact2_phone'],
    ...Array.from({ length: ROWS }, (_, i) => [`bi-r${pad(i)}`, `居民 ${pad(i)}`, `bi-h${pad(i)}`, i % 2 ? 'male' : 'female', `${1930 + (i % 30)}-01-01`, idNumber(i), phone(i),
      i % 3 === 0 ? 'lives_alone' : '', i % 4 === 0 ? 'hypertension;diabetes' : '', String(1000 + (i % 9000)), `子女 ${i}`, phone(i + 500_000), 'child', `邻居 ${i}`, phone(i + 700_000)])])
  const devices = csv([['id', 'type', 'site_id', 'resident_id'], ...Array.from({ length: ROWS }, (_, i) => [`bi-w${pad(i)}`, 'wearable', `bi-h${pad(i)}`, `bi-r${pad(i)}`])])
  const { device } = await seedFallingHome(p)
  const figures: Figure[] = []
  const imports = [['areas', areas, 1 + STREETS + COMMUNITIES], ['sites', sites, ROWS], ['residents', residents, ROWS], ['devices', devices, ROWS]] as const
  try {
    for (const [op, body, rows] of imports) {
      const f: Figure = { db, op: `import ${op}`, rows, ...await beside(p, device, () => post(op, body)) }
      figures.push(f)
      print(f)
    }
    // the lists an operator opens on the registry just imported (issue 11: nor may a list hold them)
    const lists = [['devices', '/api/devices'], ['residents', '/api/residents?limit=5000'], ['sites', '/api/sites']] as const
    for (const [what, path] of lists) {
      let rows = 0
      const f: Figure = { db, op: `list ${what}`, rows: 0, ...await beside(p, device, async () => { rows = (await p.api.get<{ items: unknown[] }>(path)).items.length }) }
      f.rows = rows
      figures.push(f)
      print(f)
    }
  } finally {
    await device.close()
  }
  return figures
}

function print (f: Figure): void {
  console.log(`${f.db.padEnd(11)} ${f.op.padEnd(17)} ${String(f.rows).padStart(6)} rows ${String(f.ms).padStart(7)} ms   alarm-lane wait p50 ${String(f.waitP50Ms).padStart(6)} p99 ${String(f.waitP99Ms).padStart(7)} max ${String(f.waitMaxMs).padStart(7)} ms (${f.waits})   fall PUBACK p50 ${String(f.pubackP50Ms).padStart(6)} p99 ${String(f.pubackP99Ms).padStart(7)} max ${String(f.pubackMaxMs).padStart(7)} ms (${f.falls})   event loop held max ${String(f.loopMaxMs).padStart(7)} ms, p99 ${f.loopP99Ms}`)
}

const figures: Figure[] = []
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${ROWS} rows a file; node ${process.version}`)
if (values.db !== 'postgres') {
  // PGlite in files, as `npm start` keeps it (memory:// grows its files by copying them whole)
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-imports-'))
  try {
    const p = await startTestPlatform({ DATA_DIR: dataDir })
    try { figures.push(...await benchOn('PGlite', p)) } finally { await p.close() }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}
if (values.db !== 'pglite') {
  if (!needsPostgres().ok) {
    console.error('PostgreSQL 15 is not installed here (apt-get install postgresql): skipped')
  } else {
    const pg = await startPostgres()
    try {
      const p = await startTestPlatform({ DATABASE_URL: await pg.createDatabase('bench_imports') })
      try { figures.push(...await benchOn('PostgreSQL', p)) } finally { await p.close() }
    } finally {
      await pg.stop()
    }
  }
}
console.log(JSON.stringify({ bench: 'imports', rows: ROWS, load: loadavg()[0], node: process.version, figures }))
