/**
 * `npm run bench:vacuum -- [--residents N]` — the embedded database's VACUUM pass
 * (platform/src/db/vacuum.ts; issue 11: PGlite has no autovacuum) beside the alarm lane.
 *
 * A city in the embedded database in files (a temporary DATA_DIR, as `npm start` keeps it): the
 * supervision benchmark's (tests/bench/supervision.ts: N residents, default 100,000, a device each,
 * a year of visits, assessments, incidents) plus a week of readings from 1,000 devices in their leaves. Then five
 * passes, each with an alarm-lane `select 1` every 2 ms beside it (tests/bench/alarm-lane-probe.ts):
 *
 * 1. the first pass of an upgraded deployment: nothing frozen, every page read, nothing analyzed;
 * 2. after an hour's bookkeeping: every device's presence written as the gateway writes it — its
 *    last-seen once a minute, a second's flush a sixtieth of the fleet in a shuffled order, through
 *    the gateway's store (GatewayStore.writePresence), `--presence-minutes` of it (default 60) —
 *    and a tenth of the incidents updated;
 * 3. after a month of visits deleted (a big table with many dead rows: its indexes are cleaned);
 * 4. with nothing changed since;
 * 5. every table past the freeze age at once (`freezeAge` 0): the freeze by transaction-id age
 *    (about every 12 days) at its worst; the devices table, rewritten by presence, read whole.
 *
 * Prints how many of presence's updates stayed on their page (HOT: no index entry, pruned
 * without VACUUM; migration 0027) and what the table and its indexes grew by; then, per pass:
 * tables vacuumed, tables analyzed, tables with nothing due, time leaves left alone, the pass, the
 * longest statement (and which), the alarm lane's wait p50 / p99 / max, and the database's
 * transaction-id age before and after. Asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { GatewayStore, type PresencePatch } from '@eldercare/gateway/testing'
import { migrate, openDb, vacuumPass, type Db } from '@eldercare/platform'
import { probeAlarmLane, spread } from './alarm-lane-probe.ts'
import { seedSql } from './supervision.ts'

function options (): { residents: number, presenceMinutes: number } {
  const { values } = parseArgs({ options: { residents: { type: 'string', default: '100000' }, 'presence-minutes': { type: 'string', default: '60' } } })
  const residents = Number(values.residents)
  if (!Number.isInteger(residents) || residents < 1000 || residents > 1_000_000) throw new Error(`--residents must be a whole number from 1000 to 1000000, not "${values.residents}"`)
  const presenceMinutes = Number(values['presence-minutes'])
  if (!Number.isInteger(presenceMinutes) || presenceMinutes < 0 || presenceMinutes > 600) throw new Error(`--presence-minutes must be a whole number from 0 to 600, not "${values['presence-minutes']}"`)
  return { residents, presenceMinutes }
}

/** `minutes` of presence at every device (the seeded `bdev…`), as the gateway's coarse flush writes it; what stayed on its page. */
async function presenceMinutes (db: Db, devices: number, minutes: number): Promise<string> {
  const size = async () => (await db.query<{ heap: number, indexes: number }>("select pg_relation_size('devices')::float8 as heap, pg_indexes_size('devices')::float8 as indexes")).rows[0]!
  const updates = async () => {
    await db.query('select pg_stat_force_next_flush()')
    return (await db.query<{ upd: number, hot: number }>("select n_tup_upd::float8 as upd, n_tup_hot_upd::float8 as hot from pg_stat_user_tables where relname = 'devices'")).rows[0]!
  }
  const before = { ...await size(), ...await updates() }
  const ids = Array.from({ length: devices }, (_, i) => `bdev${i + 1}`)
  const store = new GatewayStore(db)
  const flush = Math.ceil(devices / 60)
  let t = Date.now()
  const t0 = performance.now()
  for (let m = 0; m < minutes; m++) {
    for (let i = ids.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [ids[i], ids[j]] = [ids[j]!, ids[i]!] }
    t += 60_000
    for (let k = 0; k < ids.length; k += flush) {
      await store.writePresence(new Map<string, PresencePatch>(ids.slice(k, k + flush).map((id, n) => [id, { online: true, lastSeenAt: new Date(t + n), rssi: -60 - (n % 20) }])))
    }
  }
  const after = { ...await size(), ...await updates() }
  const mib = (b: number) => (b / 1048576).toFixed(1)
  const upd = after.upd - before.upd
  return `presence: ${minutes} minutes at ${devices.toLocaleString('en')} devices, ${upd.toLocaleString('en')} updates in ${Math.round((performance.now() - t0) / 1000)} s, ${(100 * (after.hot - before.hot) / Math.max(1, upd)).toFixed(2)} % on their page (HOT); devices ${mib(before.heap)} → ${mib(after.heap)} MiB, its indexes ${mib(before.indexes)} → ${mib(after.indexes)} MiB`
}

async function pass (db: Db, label: string, opts: Parameters<typeof vacuumPass>[1] = {}): Promise<string> {
  const probe = probeAlarmLane(db)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const p = await vacuumPass(db, opts)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const w = spread(await probe.stop())
  return `| ${label} | ${p.tables} | ${p.analyzed} | ${p.notDue} | ${p.leavesSkipped} | ${Math.round(p.ms).toLocaleString('en')} ms | ${p.longest === null ? '–' : `${Math.round(p.longestMs).toLocaleString('en')} ms (${p.longest})`} | ${w.p50.toFixed(2)} / ${w.p99.toFixed(1)} / ${w.max.toFixed(1)} ms (${w.count}) | ${p.xidAgeBefore.toLocaleString('en')} → ${p.xidAgeAfter.toLocaleString('en')} |`
}

async function main (): Promise<void> {
  let opts: ReturnType<typeof options>
  try {
    opts = options()
  } catch (err) {
    console.error(`bench:vacuum: ${(err as Error).message}`)
    process.exit(2)
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-vacuum-'))
  const db = await openDb({ dataDir: dir })
  try {
    await migrate(db)
    const root = { id: 'city', path: '/city/' }
    await db.query(`insert into areas (id, name, level, parent_id, path) values ($1, '市', 'city', null, $2)`, [root.id, root.path])
    const t0 = performance.now()
    // never analyzed, as an embedded database before the pass gathered statistics
    await db.exec(seedSql(root, { residents: opts.residents, beds: Math.floor(opts.residents / 10) }, { analyze: false }))
    // a week of readings, one every 10 minutes from 1,000 devices (in their leaves, which the pass leaves alone)
    await db.query(`insert into readings (resident_id, device_id, ts, hr, spo2)
      select 'br' || (i % 1000 + 1), 'bdev' || (i % 1000 + 1), now() - ((i / 1000 * 10) || ' minutes')::interval, 70, 97
        from generate_series(0, 1000 * 1008 - 1) i`)
    const counts = (await db.query<Record<string, string>>(`select (select count(*) from residents) as residents, (select count(*) from visits) as visits,
      (select count(*) from incidents) as incidents, (select count(*) from readings) as readings`)).rows[0]!
    console.log(`pglite: ${counts.residents} residents (a device each), ${counts.visits} visits, ${counts.incidents} incidents, ${counts.readings} readings in ${Math.round((performance.now() - t0) / 1000)} s`)
    const lines = ['| pass | tables vacuumed | analyzed | not due | leaves left | took | longest statement | alarm-lane wait p50 / p99 / max (samples) | transaction-id age |', '|---|---:|---:|---:|---:|---:|---|---|---|']
    lines.push(await pass(db, 'first (nothing frozen)'))
    console.log(await presenceMinutes(db, opts.residents, opts.presenceMinutes))
    await db.query(`update incidents set updated_at = now() where id like 'binc%' and substr(id, 5)::int % 10 = 0`)
    lines.push(await pass(db, "after an hour's bookkeeping"))
    const { rowCount } = await db.query(`delete from visits where due_date between date '2025-03-01' and date '2025-03-31'`)
    lines.push(await pass(db, `after ${rowCount.toLocaleString('en')} visits deleted`))
    lines.push(await pass(db, 'nothing changed'))
    // the pass that freezes by transaction-id age (every ~12 days at 99 ids a second) at its
    // worst: every table due at once (the tables the migrations made together and no pass has
    // vacuumed since do come due together); a table frozen before reads only the pages changed
    // since (the visibility map skips the rest) — the devices' every page, rewritten by presence
    lines.push(await pass(db, 'every table at the freeze age', { freezeAge: 0 }))
    console.log(lines.join('\n'))
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => { console.error(err instanceof Error ? err.message : err); process.exit(1) })
