/**
 * What one `/metrics` scrape costs the main thread with many connections open (issue 11: a scrape
 * at 10,000 devices held the platform's event loop ~25 ms, in the way of any alarm arriving then).
 *
 *   node --import tsx tests/bench/metrics-scrape.ts [--connections 10000] [--scrapes 20]
 *
 * Opens N TCP connections from this process to a server in a child process (so this process holds
 * N descriptors and N socket handles, as the platform holds its devices'), then times, side by
 * side in this one run, a scrape of prom-client's default registry and of the project's
 * (`metricsRegistry([])`, gateway/src/metrics.ts), and each default figure's own collect.
 * Prints a table and a JSON line; figures, not a test (docs/benchmarks.md).
 */
import { spawn } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { metricsRegistry } from '@eldercare/gateway'

const { values } = parseArgs({ options: { connections: { type: 'string', default: '10000' }, scrapes: { type: 'string', default: '20' } } })
const n = Number(values.connections)
const scrapes = Number(values.scrapes)
if (!Number.isInteger(n) || n < 0 || n > 15_000) throw new Error(`--connections "${values.connections}" must be a whole number from 0 to 15000 (this machine's descriptor limit is 20,000 per process)`)
if (!Number.isInteger(scrapes) || scrapes < 1 || scrapes > 1000) throw new Error(`--scrapes "${values.scrapes}" must be a whole number from 1 to 1000`)

// the other end of the connections, in a process of its own
const child = spawn(process.execPath, ['-e', "const s=require('node:net').createServer(()=>{});s.listen(0,'127.0.0.1',()=>process.send(s.address().port));process.on('disconnect',()=>process.exit(0))"], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc']
})
const port = await new Promise<number>((resolve) => child.once('message', (p) => resolve(Number(p))))
const sockets: Socket[] = []
for (let i = 0; i < n; i += 500) {
  await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => new Promise<void>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve())
    s.once('error', reject)
    sockets.push(s)
  })))
}

const defaults = new Registry()
collectDefaultMetrics({ register: defaults })
const ours = metricsRegistry([])
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 100) / 100 }
/** Main-thread time of one scrape: from the call until its text is back (the collects are synchronous but one). */
const time = async (r: Registry) => { const t = performance.now(); await r.metrics(); return performance.now() - t }
await time(defaults); await time(ours) // first scrapes compile and warm up
const a: number[] = []; const b: number[] = []
for (let i = 0; i < scrapes; i++) { a.push(await time(defaults)); b.push(await time(ours)) }
const per: Array<[string, number]> = []
for (const m of defaults.getMetricsAsArray()) {
  const t = performance.now()
  await (m as unknown as { get (): Promise<unknown> }).get()
  per.push([m.name, performance.now() - t])
}
per.sort((x, y) => y[1] - x[1])
process.stdout.write(`${n} connections open, ${scrapes} scrapes each (ms, p50 / max)\n` +
  `  prom-client defaults      ${q(a, 0.5)} / ${q(a, 1)}\n` +
  `  metricsRegistry([])       ${q(b, 0.5)} / ${q(b, 1)}\n` +
  `costliest default figures (one collect, ms): ${per.slice(0, 5).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`)
process.stdout.write(JSON.stringify({ connections: n, scrapes, defaultsP50Ms: q(a, 0.5), defaultsMaxMs: q(a, 1), oursP50Ms: q(b, 0.5), oursMaxMs: q(b, 1) }) + '\n')
for (const s of sockets) s.destroy()
child.disconnect()
