/**
 * Benchmark: how fast the SLA scheduler fires due deadlines, on PGlite and on PostgreSQL,
 * with one engine and with two engines sharing the PostgreSQL database. Each due P1 incident
 * has two jobs (acknowledgement breach, first escalation step); every job must fire exactly once.
 *
 *   npx tsx tests/bench/sla-scheduler.bench.ts [incidents=500]
 */
import { randomBytes } from 'node:crypto'
import { seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { startPostgres } from '../support/postgres.ts'
import { makeTempDir } from '../support/process.ts'

const N = Number(process.argv[2] ?? 500)
const DATA_KEY = randomBytes(32).toString('base64')

async function run (label: string, env: Record<string, string>, engines: number): Promise<string> {
  const t0 = Date.now()
  let clock = t0
  const nodes: TestPlatform[] = []
  for (let i = 0; i < engines; i++) nodes.push(await startTestPlatform({ ...env, DATA_KEY }, { app: { now: () => clock, response: { autoTick: false } } }))
  try {
    await nodes[0].api.login()
    const h = await seedHome(nodes[0].api)
    // N open P1 incidents at one home, each of its own type (one active incident per type).
    await nodes[0].db.query(
      `insert into incidents (id, type, priority, status, resident_id, site_id, area_id, opened_at, ack_due_at, updated_at, escalation_step, escalation_due_at)
       select 'bench-' || g, 'bench_' || g, 'P1', 'open', $1, $2, $3, $4, $5, $4, 0, $5 from generate_series(1, $6::int) g`,
      [h.residentId, h.siteId, h.communityId, new Date(t0), new Date(t0 + 60_000), N])
    clock = t0 + 60_000
    const started = performance.now()
    const fired = await Promise.all(nodes.map((n) => n.app.response.sla.tick()))
    const ms = performance.now() - started
    const { rows } = await nodes[0].db.query<{ kind: string, n: string }>(
      "select kind, count(*) as n from incident_timeline where incident_id like 'bench-%' group by kind order by kind")
    const total = fired.reduce((a, b) => a + b, 0)
    const ok = total === 2 * N && rows.every((r) => Number(r.n) === N)
    return `${label.padEnd(12)} ${String(engines).padStart(7)} ${String(N).padStart(9)} ${String(total).padStart(6)} ${ms.toFixed(0).padStart(8)} ${(total / (ms / 1000)).toFixed(0).padStart(8)}  ${ok ? 'exactly once' : 'MISMATCH ' + JSON.stringify(rows)}`
  } finally {
    for (const n of nodes) await n.close()
  }
}

const lines = ['backend      engines incidents   jobs       ms   jobs/s  check']
const tmp = makeTempDir('bench-pglite')
lines.push(await run('pglite', { DATA_DIR: `${tmp.dir}/data` }, 1))
tmp.remove()
const pg = await startPostgres()
try {
  lines.push(await run('postgres', { DATABASE_URL: await pg.createDatabase('bench_one') }, 1))
  lines.push(await run('postgres', { DATABASE_URL: await pg.createDatabase('bench_two') }, 2))
} finally {
  await pg.stop()
}
console.log(lines.join('\n'))
