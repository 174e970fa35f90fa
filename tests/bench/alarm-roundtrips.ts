/**
 * The alarm path's cost in messages to the embedded database's worker thread (issue 11), and its
 * latency with nothing else going on: `node --import tsx tests/bench/alarm-roundtrips.ts [--root
 * CHECKOUT] [--falls N] [--family] [--repeat] [--postgres]`.
 *
 * `--postgres`: the platform on a throwaway PostgreSQL 15 (DATABASE_URL) instead of PGlite; what is
 * counted is then the round trips to PostgreSQL and the statements (`pg.Client#query`, begin and
 * commit included) that travelled in them.
 *
 * `--family`: each resident has a family contact who consented, and the platform a notification
 * webhook (a local receiver answering 200), so an opening also stores the family's message in the
 * notification outbox, in the engine's transaction. `--repeat`: after each opening the same device
 * falls again, and the messages PUBLISH → `incident:updated` of that repeat (it joins the open
 * incident) are counted too.
 *
 * One embedded platform (PGlite in its worker) in this process, N homes with a fall detector each
 * and an operator's socket. The falls go one at a time; for each, the messages posted to the worker
 * between its PUBLISH and its `incident:opened` are counted (by op), and the time between them
 * taken, with the process's CPU time (all threads) over it. Counting the worker's messages works for any checkout whose PGlite runs in a worker
 * (`--root` on an export of an older commit), whatever its Db code looks like. Prints a table and
 * a JSON line. Figures, not a test: docs/benchmarks.md.
 */
import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadavg } from 'node:os'
import { Worker } from 'node:worker_threads'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const { values } = parseArgs({ options: { root: { type: 'string' }, falls: { type: 'string', default: '100' }, family: { type: 'boolean', default: false }, repeat: { type: 'boolean', default: false }, postgres: { type: 'boolean', default: false } } })
const root = resolve(values.root ?? new URL('../../', import.meta.url).pathname)
const falls = Number(values.falls)
if (!Number.isInteger(falls) || falls < 1 || falls > 2000) throw new Error(`--falls "${values.falls}" must be a whole number from 1 to 2000`)

// every message to a worker thread, by op (the PGlite worker's are {id, op, …})
const posted = new Map<string, number>()
const post = Worker.prototype.postMessage
Worker.prototype.postMessage = function (this: Worker, value: unknown, ...rest: unknown[]) {
  const op = (value as { op?: unknown })?.op
  if (typeof op === 'string') posted.set(op, (posted.get(op) ?? 0) + 1)
  return (post as (...a: unknown[]) => void).call(this, value, ...rest)
}

const load = async (rel: string) => import(pathToFileURL(join(root, rel)).href)
const { startTestPlatform, seedHome } = await load('tests/support/platform.ts')

// --postgres: every statement sent to PostgreSQL (op 'statement') and the round trips they cost
// (op 'round trip'): a statement written while an earlier one of its connection is still unanswered
// (pg's pipeline mode) rides on that one's round trip. The checkout's own `pg` (its Db code calls
// that copy), whatever its Db code looks like.
let pgServer: { createDatabase (name: string): Promise<string>, stop (): Promise<void> } | null = null
if (values.postgres) {
  const { createRequire } = await import('node:module')
  const pgClient = createRequire(join(root, 'platform', 'package.json'))('pg').Client
  const query = pgClient.prototype.query
  pgClient.prototype.query = function (this: { pipeline?: boolean, _activeQuery?: unknown, _sentQueryQueue?: unknown[] }, ...args: unknown[]) {
    posted.set('statement', (posted.get('statement') ?? 0) + 1)
    const rides = this.pipeline === true && (this._activeQuery != null || (this._sentQueryQueue?.length ?? 0) > 0)
    if (!rides) posted.set('round trip', (posted.get('round trip') ?? 0) + 1)
    return query.apply(this, args)
  }
  const { startPostgres } = await import('../support/postgres.ts')
  pgServer = await startPostgres()
}
const { SimDevice } = await load('device-sim/src/index.ts')

// the family's SMS/WeChat provider: answers every notification 200
const receiver = createServer((req, res) => { req.resume(); req.on('end', () => res.end()) })
if (values.family) await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
const p = await startTestPlatform({
  ...(values.family ? { NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`, NOTIFY_WEBHOOK_SECRET: 'alarm-roundtrips-webhook-secret' } : {}),
  ...(pgServer ? { DATABASE_URL: await pgServer.createDatabase('alarm_roundtrips') } : {})
})
await p.api.login()
const contacts = values.family ? [{ name: '女儿', phone: '13900000000', relation: 'daughter', notify: true }] : undefined
const homes = []
for (let i = 0; i < falls; i++) homes.push(await seedHome(p.api, { name: `rt${i}`, contacts }))
/** What the bench uses of a simulated device (loaded from the checkout under test). */
interface Device { event (type: string, payload: Record<string, unknown>): Promise<unknown>, close (): Promise<void> }
const devices: Device[] = []
for (const h of homes) {
  const d = new SimDevice({ url: p.mqttUrl, credentials: { ...h.device, type: 'fall_detector' } })
  await d.connect()
  devices.push(d)
}
const socket = await p.api.connectedSocket()
await new Promise((r) => setTimeout(r, 1500)) // presence writes of the connections settle

/** One path's figures: latency, messages to the worker and CPU per alarm. */
class Path {
  readonly latencies: number[] = []
  readonly messages: number[] = []
  readonly byOp = new Map<string, number>()
  cpuUs = 0

  /** Sends `publish`, waits for `seen`, and counts what went to the worker in between. */
  async measure (publish: () => void, seen: Promise<void>): Promise<void> {
    const before = new Map(posted)
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    publish()
    await seen
    this.latencies.push(performance.now() - t0)
    const cpu = process.cpuUsage(cpu0)
    this.cpuUs += cpu.user + cpu.system
    let n = 0
    for (const [op, c] of posted) {
      const d = c - (before.get(op) ?? 0)
      if (op !== 'statement') n += d // on PostgreSQL the messages are the round trips
      this.byOp.set(op, (this.byOp.get(op) ?? 0) + d)
    }
    this.messages.push(n)
    await new Promise((r) => setTimeout(r, 30)) // the alarm's bookkeeping after the emit, outside the next alarm's count
  }

  figures () {
    const sorted = [...this.latencies].sort((a, b) => a - b)
    const q = (x: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))] * 100) / 100
    const n = this.latencies.length
    return {
      p50: q(0.5), p90: q(0.9), max: q(1),
      messages: Math.round((this.messages.reduce((a, b) => a + b, 0) / n) * 100) / 100,
      cpuMs: Math.round(this.cpuUs / n / 10) / 100,
      byOp: Object.fromEntries([...this.byOp].map(([op, c]) => [op, Math.round((c / n) * 100) / 100]))
    }
  }
}

/** The socket's next `event` for device `id` (a repeat: a re-alert). */
const next = (event: 'incident:opened' | 'incident:updated', id: string) => new Promise<void>((resolve) => {
  const on = (inc: { deviceId: string | null, reAlert?: string }) => {
    if (inc.deviceId === id && (event === 'incident:opened' || inc.reAlert === 'repeat')) { socket.off(event, on); resolve() }
  }
  socket.on(event, on)
})

const openings = new Path()
const repeats = new Path()
for (let i = 0; i < falls; i++) {
  const id = homes[i].device.id
  await openings.measure(() => { void devices[i].event('fall', { confidence: 0.9 }) }, next('incident:opened', id))
  if (values.repeat) await repeats.measure(() => { void devices[i].event('fall', { confidence: 0.9 }) }, next('incident:updated', id))
}
socket.close()
for (const d of devices) await d.close()
await p.close()
await pgServer?.stop()

if (values.family) receiver.close()

const line = (what: string, f: ReturnType<Path['figures']>, seen: string) =>
  `${what}: PUBLISH → ${seen}: p50 ${f.p50} ms, p90 ${f.p90} ms, max ${f.max} ms\n` +
  `${values.postgres ? 'round trips to PostgreSQL' : 'messages to the PGlite worker'} per ${what === 'falls' ? 'fall' : 'repeat'}: ${f.messages} (${Object.entries(f.byOp).map(([k, v]) => `${k} ${v}`).join(', ')})\n` +
  `CPU of the process (every thread: device, broker, platform, PGlite worker) per alarm, PUBLISH → ${seen}: ${f.cpuMs} ms\n`
const o = openings.figures()
const r = values.repeat ? repeats.figures() : null
process.stdout.write(`root ${root}\n${values.postgres ? 'PostgreSQL' : 'PGlite'}: falls ${falls}, one at a time, nothing else running in the platform${values.family ? ', with a family contact and a webhook' : ''}\n` +
  line('falls', o, 'incident:opened') + (r ? line('repeats', r, 'incident:updated') : '') +
  `load average ${loadavg()[0].toFixed(1)}\n`)
process.stdout.write(JSON.stringify({
  root, database: values.postgres ? 'postgres' : 'pglite', falls, family: values.family, p50: o.p50, p90: o.p90, max: o.max, messagesPerFall: o.messages, cpuMsPerFall: o.cpuMs, byOp: o.byOp,
  ...(r ? { repeat: { p50: r.p50, p90: r.p90, max: r.max, messagesPerRepeat: r.messages, cpuMsPerRepeat: r.cpuMs, byOp: r.byOp } } : {}),
  loadAvg: Math.round(loadavg()[0] * 10) / 10
}) + '\n')
process.exit(0)
