/**
 * Capacity: what one connected device, one telemetry message and one alarm cost in the scaled
 * topology, measured on real servers (docs/capacity.md quotes its output). One standalone gateway
 * process (gateway/src/main.ts) and one platform node process (platform/src/main.ts) on real
 * PostgreSQL 15 (with pg_stat_statements), Redis and InfluxDB; the gateway connects to PostgreSQL
 * as its own role so each side's statements are counted apart.
 *
 *   node --import tsx tests/bench/capacity.ts [homes=150]
 *
 * - RSS per device: the gateway's VmRSS (/proc/PID/status) before and after the region's devices
 *   connect (MQTT.js, persistent sessions, subscribed to commands and errors as real ones are),
 *   and Redis' used_memory for their sessions.
 * - CPU per message: the gateway's utime+stime (/proc/PID/stat) over a paced run of telemetry, less
 *   the same length of idle; PostgreSQL rows (tup_inserted+tup_updated) and statements, InfluxDB
 *   points written, per message.
 * - Per alarm: falls from distinct fall detectors, paced, each opening an incident: statements
 *   (round trips, BEGIN/COMMIT included) of the gateway's and the platform's roles, less idle.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import pg from 'pg'
import { provision, SimDevice, type CredentialsFile } from '@eldercare/device-sim'
import { startPostgres } from '../support/postgres.ts'
import { startRedis } from '../support/redis.ts'
import { startInflux } from '../support/influx.ts'
import { startGatewayNode, startPlatformNode, type NodeProcess } from '../support/nodes.ts'
import { ADMIN } from '../support/platform.ts'

const run = promisify(execFile)
const HOMES = Number(process.argv[2] ?? 150)
const TELEMETRY_SECONDS = 10
const TELEMETRY_PER_DEVICE_PER_S = 2
const ALARMS_PER_S = 20
const TICK_US = 1e6 / 100 // /proc clock ticks (USER_HZ, 100 on Linux)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])
const cpuUs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US // utime, stime
}

async function main (): Promise<void> {
  const [postgres, redis, influx] = await Promise.all([
    startPostgres({ settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } }),
    startRedis(), startInflux()
  ])
  const databaseUrl = await postgres.createDatabase('capacity')
  const influxUrl = await influx.createDatabase('vitals')
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  admin.on('error', () => {}) // an idle connection cut at shutdown
  await admin.query('create extension if not exists pg_stat_statements')
  await admin.query('create role gateway login superuser')
  const gatewayUrl = databaseUrl.replace('postgres://postgres@', 'postgres://gateway@')
  let platform: NodeProcess | undefined
  let gateway: NodeProcess | undefined
  const devices: SimDevice[] = []
  try {
    platform = await startPlatformNode({
      DATABASE_URL: databaseUrl, REDIS_URL: redis.url, INFLUX_URL: influxUrl,
      ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, DATA_KEY: Buffer.alloc(32, 7).toString('base64')
    })
    gateway = await startGatewayNode({ DATABASE_URL: gatewayUrl, REDIS_URL: redis.url, INFLUX_URL: influxUrl })
    const g = { pid: gateway.process.pid }
    const p = { pid: platform.process.pid }
    const httpUrl = `http://127.0.0.1:${platform.ports.http}`
    const mqttUrl = `mqtt://127.0.0.1:${gateway.ports.mqtt}`
    process.stderr.write(`provisioning ${HOMES} homes…\n`)
    const creds: CredentialsFile = await provision({ homes: HOMES, facilities: 0, residentsPerFacility: 0, homesPerCommunity: 50, prefix: 'cap', seed: 1 }, { httpUrl, mqttUrl, username: ADMIN.username, password: ADMIN.password })
    // children of a hub are relayed by it [P-1.5]; every other device holds a connection of its own
    const direct = creds.sites.flatMap((s) => s.devices).filter((d) => d.parent === null)

    // ── RSS per connected device ──────────────────────────────────────────────
    await sleep(3000)
    const redisMem = async () => Number(/used_memory:(\d+)/.exec((await run('redis-cli', ['-p', String(redis.port), 'info', 'memory'])).stdout)![1])
    const rss0 = rssKb(g.pid)
    const redis0 = await redisMem()
    const cpuConnect0 = cpuUs(g.pid)
    const { rows: [calls0] } = await admin.query<{ n: string }>("select coalesce(sum(calls), 0)::text as n from pg_stat_statements s join pg_roles r on r.oid = s.userid where r.rolname = 'gateway'")
    for (let i = 0; i < direct.length; i += 50) {
      await Promise.all(direct.slice(i, i + 50).map(async (d) => {
        const dev = new SimDevice({ url: mqttUrl, credentials: { id: d.id, secret: d.secret, type: d.type }, keepaliveS: 60 })
        await dev.connect()
        devices.push(dev)
      }))
    }
    const cpuConnect = cpuUs(g.pid) - cpuConnect0
    const { rows: [calls1] } = await admin.query<{ n: string }>("select coalesce(sum(calls), 0)::text as n from pg_stat_statements s join pg_roles r on r.oid = s.userid where r.rolname = 'gateway'")
    await sleep(5000)
    const rss1 = rssKb(g.pid)
    const redis1 = await redisMem()
    const n = devices.length

    // ── CPU per telemetry message ─────────────────────────────────────────────
    const stats = async () => {
      const { rows: [db] } = await admin.query<{ ins: string, upd: string }>('select tup_inserted as ins, tup_updated as upd from pg_stat_database where datname = current_database()')
      const { rows: calls } = await admin.query<{ role: string, calls: string }>("select r.rolname as role, sum(s.calls)::text as calls from pg_stat_statements s join pg_roles r on r.oid = s.userid group by r.rolname")
      const byRole = Object.fromEntries(calls.map((c) => [c.role, Number(c.calls)]))
      const points = await influxPoints(influxUrl)
      return { rows: Number(db!.ins) + Number(db!.upd), gwCalls: byRole.gateway ?? 0, plCalls: byRole.postgres ?? 0, points, gwCpu: cpuUs(g.pid), plCpu: cpuUs(p.pid) }
    }
    const delta = (a: Awaited<ReturnType<typeof stats>>, b: Awaited<ReturnType<typeof stats>>) =>
      Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof typeof a] - a[k as keyof typeof a]])) as Awaited<ReturnType<typeof stats>>

    const idleA = await stats()
    await sleep(TELEMETRY_SECONDS * 1000)
    const idle = delta(idleA, await stats())

    const wearables = devices.filter((d) => direct.find((x) => x.id === d.id)!.type === 'wearable')
    const t0 = await stats()
    let sent = 0
    const started = Date.now()
    for (let s = 0; s < TELEMETRY_SECONDS * TELEMETRY_PER_DEVICE_PER_S; s++) {
      const due = started + (s * 1000) / TELEMETRY_PER_DEVICE_PER_S
      await sleep(Math.max(0, due - Date.now()))
      for (const w of wearables) { void w.telemetry({ ts: Date.now(), vitals: { hr: 60 + (sent % 30), spo2: 97 } }); sent++ }
    }
    await sleep(3000) // the readings batch flushes
    const tel = delta(t0, await stats())
    const telSeconds = (Date.now() - started) / 1000

    // ── per alarm ─────────────────────────────────────────────────────────────
    const falls = devices.filter((d) => direct.find((x) => x.id === d.id)!.type === 'fall_detector')
    const a0 = await stats()
    const aStarted = Date.now()
    await Promise.all(falls.map(async (f, i) => { await sleep((i * 1000) / ALARMS_PER_S); await f.event('fall') }))
    for (;;) {
      const { rows } = await admin.query<{ n: string }>("select count(*) as n from inbox where processed_at is null")
      if (Number(rows[0]!.n) === 0) break
      await sleep(200)
    }
    await sleep(1000)
    const al = delta(a0, await stats())
    const aSeconds = (Date.now() - aStarted) / 1000
    const { rows: [opened] } = await admin.query<{ n: string }>('select count(*) as n from incidents')
    const idleFor = (k: keyof typeof idle, seconds: number) => (idle[k] * seconds) / TELEMETRY_SECONDS

    const f1 = (x: number) => x.toFixed(1)
    const lines = [
      `capacity (${HOMES} homes, ${n} device connections, ${wearables.length} wearables, ${falls.length} fall detectors; node ${process.version})`,
      `  gateway RSS: ${(rss0 / 1024).toFixed(0)} MiB idle → ${(rss1 / 1024).toFixed(0)} MiB with ${n} devices: ${f1((rss1 - rss0) / n)} KiB per device`,
      `  connect (CONNECT, authentication, session in Redis, SUBSCRIBE, retained status): ${f1(cpuConnect / n)} µs gateway CPU and ${f1((Number(calls1!.n) - Number(calls0!.n)) / n)} gateway statements per device`,
      `  Redis used_memory: +${f1((redis1 - redis0) / 1024 / n)} KiB per device (persistent session, subscriptions, retained status)`,
      `  idle (no traffic, ${n} devices connected): gateway ${f1(idle.gwCpu / TELEMETRY_SECONDS / 1000)} ms CPU/s, platform ${f1(idle.plCpu / TELEMETRY_SECONDS / 1000)} ms CPU/s, ${f1(idle.gwCalls / TELEMETRY_SECONDS)} gateway + ${f1(idle.plCalls / TELEMETRY_SECONDS)} platform statements/s`,
      `  telemetry: ${sent} messages in ${f1(telSeconds)} s (${f1(sent / telSeconds)}/s)`,
      `    gateway CPU: ${f1((tel.gwCpu - idleFor('gwCpu', telSeconds)) / sent)} µs per message (less idle)`,
      `    PostgreSQL: ${(tel.rows / sent).toFixed(3)} rows and ${((tel.gwCalls - idleFor('gwCalls', telSeconds)) / sent).toFixed(3)} gateway statements per message`,
      `    InfluxDB: ${(tel.points / sent).toFixed(3)} points per message`,
      `  alarms: ${falls.length} falls in ${f1(aSeconds)} s, ${opened!.n} incidents opened`,
      `    gateway: ${f1((al.gwCpu - idleFor('gwCpu', aSeconds)) / falls.length)} µs CPU, ${f1((al.gwCalls - idleFor('gwCalls', aSeconds)) / falls.length)} statements per alarm`,
      `    platform: ${f1((al.plCpu - idleFor('plCpu', aSeconds)) / falls.length)} µs CPU, ${f1((al.plCalls - idleFor('plCalls', aSeconds)) / falls.length)} statements per alarm (incident, timeline, notifications, SLA)`,
      `    PostgreSQL rows written per alarm: ${f1(al.rows / falls.length)}`
    ]
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    await Promise.all(devices.map((d) => d.close().catch(() => {})))
    await gateway?.stop()
    await platform?.stop()
    await admin.end()
    await Promise.all([redis.stop(), influx.dispose(), postgres.stop()])
  }
}

/** Points in the readings measurement (the largest field count: every point has at least one). */
async function influxPoints (dbUrl: string): Promise<number> {
  const u = new URL(dbUrl)
  const db = decodeURIComponent(u.pathname.slice(1))
  const res = await fetch(`${u.origin}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent('select count(*) from readings')}`)
  const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> }
  const values = body.results[0]?.series?.[0]?.values[0]?.slice(1) ?? []
  return values.length ? Math.max(...values) : 0
}

main().then(() => process.exit(0), (err) => { process.stderr.write(`${err?.stack ?? err}\n`); process.exit(1) })
