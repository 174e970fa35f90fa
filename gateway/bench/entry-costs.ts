/**
 * What one entry of the gateway's per-device maps costs in heap (issue 11, "Memory"): 100,000
 * entries of each, heap measured after a full GC before and after. The whole picture per
 * connected device is `npm run bench:alarms:memory` (docs/benchmarks.md).
 *
 *   node --expose-gc --import tsx gateway/bench/entry-costs.ts [entries=100000]
 */
import { LRUCache } from 'lru-cache'
import { pino } from 'pino'
import { Presence } from '../src/presence.ts'
import { RateLimiter } from '../src/rate-limit.ts'
import { GatewayStore, type Sql } from '../src/store.ts'

const N = Number(process.argv[2] ?? 100_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc || !Number.isInteger(N) || N < 1) {
  process.stderr.write('usage: node --expose-gc --import tsx gateway/bench/entry-costs.ts [entries]\n')
  process.exit(2)
}
const heap = () => { gc!(); gc!(); return process.memoryUsage().heapUsed }
const id = (i: number) => `dev-${String(i).padStart(8, '0')}`
const rows: Array<[string, number]> = []

async function measure (name: string, fill: () => unknown): Promise<void> {
  const before = heap()
  const keep = fill() // held until measured
  await new Promise((r) => setTimeout(r, 10))
  const after = heap()
  rows.push([name, Math.round((after - before) / N)])
  if (keep === null) process.stdout.write('') // keeps `keep` alive across the measurement
}

// A store that writes nothing: the entries are what is measured, not the statements.
const idle: Sql = { query: async () => ({ rows: [], rowCount: 0 }) }
await measure('presence entry (connected device)', () => {
  const p = new Presence(new GatewayStore(idle), pino({ level: 'silent' }), () => {}, { flushIntervalMs: 3_600_000 })
  const t = Date.now()
  for (let i = 0; i < N; i++) p.mark(id(i), { online: true, lastSeenAt: new Date(t) })
  return p
})
await measure('auth cache entry (device record, LRU)', () => {
  const c = new LRUCache<string, { at: number, rec: unknown }>({ max: N * 2 })
  for (let i = 0; i < N; i++) c.set(id(i), { at: Date.now(), rec: { id: id(i), type: 'wearable', secretHash: 'f'.repeat(64), parentId: null, children: [] } })
  return c
})
await measure('rate-limit bucket', () => {
  const r = new RateLimiter()
  for (let i = 0; i < N; i++) r.take(id(i))
  return r
})
const w = Math.max(...rows.map(([k]) => k.length))
process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v} B`).join('\n') + '\n')
process.exit(0)
