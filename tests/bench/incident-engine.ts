/**
 * Incident engine throughput: inbox rows turned into incidents per second, end to end on the
 * embedded stack (PGlite) — the rows written as the gateway writes them (one statement), the
 * engine woken, the clock stopped when the inbox has no unprocessed row. Each home gets falls,
 * SOS and intercom call requests: the first of a home opens its incident, the rest join it.
 *
 *   node --import tsx tests/bench/incident-engine.ts [homes=40] [rowsPerHome=50] [batchRows=engine default] [order=home|city]
 *
 * batchRows 1 is the engine as it was before batches (one row per transaction), for comparison.
 * order `home` writes each home's rows together; `city` interleaves the homes, as a city's alarms
 * arrive (a batch then holds rows of many sites, which the engine applies side by side).
 */
import { randomUUID } from 'node:crypto'
import { seedHome, startTestPlatform, type SeededHome } from '../support/platform.ts'

const HOMES = Number(process.argv[2] ?? 40)
const PER_HOME = Number(process.argv[3] ?? 50)
const BATCH = process.argv[4] === undefined || process.argv[4] === '-' ? undefined : Number(process.argv[4])
const ORDER = process.argv[5] ?? 'home'
if (ORDER !== 'home' && ORDER !== 'city') throw new Error(`order must be home or city, not ${ORDER}`)
const TYPES = ['fall', 'sos', 'fall', 'sos', 'inactivity']

const p = await startTestPlatform({}, { app: { engine: { batchRows: BATCH } } })
try {
  await p.api.login()
  const homes: SeededHome[] = []
  for (let i = 0; i < HOMES; i++) homes.push(await seedHome(p.api))
  const row = (h: SeededHome, k: number) => {
    const id = `b-${randomUUID()}`
    const type = TYPES[k % TYPES.length]
    return { device_id: h.device.id, msg_id: id, kind: 'event', type, payload: { id, ts: Date.now(), type } }
  }
  const rows = ORDER === 'home'
    ? homes.flatMap((h) => Array.from({ length: PER_HOME }, (_, k) => row(h, k)))
    : Array.from({ length: PER_HOME }, (_, k) => homes.map((h) => row(h, k))).flat()
  await p.db.query(
    `insert into inbox (device_id, msg_id, kind, type, payload)
     select x.device_id, x.msg_id, x.kind, x.type, x.payload from jsonb_to_recordset($1::jsonb) as x(device_id text, msg_id text, kind text, type text, payload jsonb)`,
    [JSON.stringify(rows)])
  const started = performance.now()
  p.app.engine.wake()
  while (await p.app.engine.backlog() > 0) await new Promise((r) => setTimeout(r, 20))
  const seconds = (performance.now() - started) / 1000
  const { rows: [n] } = await p.db.query<{ incidents: string }>('select count(distinct incident_id) as incidents from inbox where msg_id like $1', ['b-%'])
  console.log(`incident engine (PGlite, batchRows ${BATCH ?? 'default'}, order ${ORDER}): ${rows.length} inbox rows from ${HOMES} homes → ${n.incidents} incidents in ${seconds.toFixed(2)} s = ${Math.round(rows.length / seconds)} rows/s`)
  console.log(JSON.stringify({ bench: 'incident-engine', db: 'pglite', rows: rows.length, homes: HOMES, batchRows: BATCH ?? null, order: ORDER, seconds: Number(seconds.toFixed(3)), rowsPerS: Math.round(rows.length / seconds) }))
} finally {
  await p.close()
}
