/**
 * The alarm path's cost in messages to the embedded database's worker thread (issue 11), and its
 * latency with nothing else going on: `node --import tsx tests/bench/alarm-roundtrips.ts [--root
 * CHECKOUT] [--falls N]`.
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

const { values } = parseArgs({ options: { root: { type: 'string' }, falls: { type: 'string', default: '100' } } })
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
const { SimDevice } = await load('device-sim/src/index.ts')

const p = await startTestPlatform()
await p.api.login()
const homes = []
for (let i = 0; i < falls; i++) homes.push(await seedHome(p.api, { name: `rt${i}` }))
const devices = []
for (const h of homes) {
  const d = new SimDevice({ url: p.mqttUrl, credentials: { ...h.device, type: 'fall_detector' } })
  await d.connect()
  devices.push(d)
}
const socket = await p.api.connectedSocket()
await new Promise((r) => setTimeout(r, 1500)) // presence writes of the connections settle

const latencies: number[] = []
const messages: number[] = []
let cpuUs = 0
const byOp = new Map<string, number>()
for (let i = 0; i < falls; i++) {
  const id = homes[i].device.id
  const opened = new Promise<void>((resolve) => {
    const on = (inc: { deviceId: string | null }) => { if (inc.deviceId === id) { socket.off('incident:opened', on); resolve() } }
    socket.on('incident:opened', on)
  })
  const before = new Map(posted)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  void devices[i].event('fall', { confidence: 0.9 })
  await opened
  latencies.push(performance.now() - t0)
  const cpu = process.cpuUsage(cpu0)
  cpuUs += cpu.user + cpu.system
  let n = 0
  for (const [op, c] of posted) {
    const d = c - (before.get(op) ?? 0)
    n += d
    byOp.set(op, (byOp.get(op) ?? 0) + d)
  }
  messages.push(n)
  await new Promise((r) => setTimeout(r, 30)) // the opening's bookkeeping after the emit, outside the next fall's count
}
socket.close()
for (const d of devices) await d.close()
await p.close()

const sorted = [...latencies].sort((a, b) => a - b)
const q = (x: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))] * 100) / 100
const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100
const cpuMs = Math.round(cpuUs / falls / 10) / 100
const ops = Object.fromEntries([...byOp].map(([op, c]) => [op, Math.round((c / falls) * 100) / 100]))
process.stdout.write(`root ${root}\nfalls ${falls}, one at a time, nothing else running in the platform\n` +
  `PUBLISH → incident:opened: p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms\n` +
  `messages to the PGlite worker per fall: ${mean(messages)} (${Object.entries(ops).map(([k, v]) => `${k} ${v}`).join(', ')})\n` +
  `CPU of the process (every thread: device, broker, platform, PGlite worker) per fall, PUBLISH → incident:opened: ${cpuMs} ms\n` +
  `load average ${loadavg()[0].toFixed(1)}\n`)
process.stdout.write(JSON.stringify({ root, falls, p50: q(0.5), p90: q(0.9), max: q(1), messagesPerFall: mean(messages), cpuMsPerFall: cpuMs, byOp: ops, loadAvg: Math.round(loadavg()[0] * 10) / 10 }) + '\n')
process.exit(0)
