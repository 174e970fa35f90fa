/**
 * Statements that take a batch as a JSON array (jsonb_to_recordset) must find each row's match by
 * index, however large the table (issue 11). The planner counts on 100 rows of jsonb_to_recordset
 * and, left to itself, hashed them and scanned the table instead:
 * - the durable inbox insert (every alarm's PUBACK waits for it, ninth session): written as
 *   `exists (…)` in RETURNING it took a hashed subplan at some sizes of the inbox — 4.9 ms at 20,000
 *   rows on PGlite, where an index probe takes 0.2 ms;
 * - the presence write (sixteenth session): joined on the id alone it scanned every device for
 *   every batch — 14 ms at 10,000 devices for a batch of 15, written every few milliseconds in a
 *   reconnect storm; its ids as an array (`d.id = any($2)`) are probed in the primary key.
 * Held here to their plans (custom and generic, as a prepared statement gets after five runs) on
 * PGlite and on PostgreSQL 15, and to their answers.
 */
import { expect, it } from 'vitest'
import { INBOX_INSERT_SQL, PRESENCE_UPDATE_SQL } from '@eldercare/gateway'
import { onEachEngine } from '../support/engines.ts'

const INBOX_ROWS = 20_000
const DEVICES = 10_000
const row = (device: string, msg: string, type = 'fall', ts = '2026-11-29T01:00:00Z') =>
  ({ device_id: device, msg_id: msg, kind: 'event', type, payload: {}, device_ts: ts, received_at: '2026-11-29T01:00:01Z', clock_skew: false })
const patch = (id: string, p: { online?: boolean, last_seen_at?: string, battery?: number } = {}) =>
  ({ id, online: p.online ?? null, last_seen_at: p.last_seen_at ?? null, battery: p.battery ?? null, rssi: null, fw: null })

onEachEngine('bulk_plans', async (db) => {
  // an inbox of 20,000 rows over 500 devices, and 10,000 devices at 1,000 homes, analysed
  await db.query(`insert into inbox (device_id, msg_id, kind, type, payload, device_ts, received_at)
    select 'dev-' || (i % 500), 'm' || i, 'event', 'test', '{}'::jsonb, now(), now() from generate_series(1, $1::int) i`, [INBOX_ROWS])
  await db.query("insert into areas (id, name, level, path) values ('plan-city', 'plan city', 'city', '/plan-city/')")
  await db.query("insert into sites (id, name, kind, area_id) select 'plan-site-' || i, 'home', 'home', 'plan-city' from generate_series(0, 999) i")
  await db.query(`insert into devices (id, type, site_id, secret_hash)
    select 'plan-dev-' || i, 'wearable', 'plan-site-' || (i % 1000), 'x' from generate_series(0, $1::int - 1) i`, [DEVICES])
  await db.query('analyze inbox')
  await db.query('analyze devices')
}, (db) => {
  // as a prepared statement: a custom plan (its first five runs) and the generic one (from the sixth)
  const explain = (mode: 'force_custom_plan' | 'force_generic_plan', sql: string, types: string, args: string) => db().transaction(async (tx) => {
    await tx.query(`set local plan_cache_mode = ${mode}`)
    await tx.query(`prepare bulk_statement_plan (${types}) as ${sql}`)
    try {
      const { rows } = await tx.query<Record<string, string>>(`explain execute bulk_statement_plan (${args})`)
      return rows.map((r) => Object.values(r)[0]).join('\n')
    } finally {
      await tx.query('deallocate bulk_statement_plan')
    }
  })

  it.each(['force_custom_plan', 'force_generic_plan'] as const)('%s: the inbox insert probes the inbox by index for each row, no sequential scan', async (mode) => {
    const plan = await explain(mode, INBOX_INSERT_SQL, 'jsonb', `'${JSON.stringify([row('dev-7', 'plan-1')])}'`)
    expect(plan).not.toMatch(/Seq Scan on inbox/)
    expect(plan).toMatch(/Index (Only )?Scan using \w+ on inbox o/)
  })

  it('the inbox insert answers new, reused (the id before, with another time) and nothing for a duplicate', async () => {
    const q = (rows: unknown[]) => db().query<{ msg_id: string, reused: boolean }>(INBOX_INSERT_SQL, [JSON.stringify(rows)])
    expect((await q([row('dev-1', 'x1'), row('dev-2', 'x1')])).rows.map((r) => r.reused)).toEqual([false, false])
    expect((await q([row('dev-1', 'x1')])).rows).toEqual([]) // the same message again: a duplicate
    expect((await q([row('dev-1', 'x1', 'fall', '2026-11-29T02:00:00Z')])).rows.map((r) => r.reused)).toEqual([true])
    // dev-3 sent a test event with id m3 (the 20,000 rows above): a fall with that id is reused
    expect((await q([row('dev-3', 'm3')])).rows.map((r) => r.reused)).toEqual([true])
  })

  it.each(['force_custom_plan', 'force_generic_plan'] as const)('%s: the presence write finds its devices in the primary key, no sequential scan', async (mode) => {
    const patches = Array.from({ length: 15 }, (_, i) => patch(`plan-dev-${i * 500}`, { online: true }))
    const plan = await explain(mode, PRESENCE_UPDATE_SQL, 'jsonb, text[]', `'${JSON.stringify(patches)}', '{${patches.map((p) => p.id).join(',')}}'`)
    expect(plan).not.toMatch(/Seq Scan on devices/)
    expect(plan).toMatch(/Index Scan using devices_pkey on devices d/)
  })

  it('the presence write sets what a patch carries, keeps the rest, and never moves lastSeenAt back', async () => {
    const write = (patches: Array<ReturnType<typeof patch>>) => db().query(PRESENCE_UPDATE_SQL, [JSON.stringify(patches), patches.map((p) => p.id)])
    const read = async (id: string) => (await db().query<{ online: boolean, battery: number | null, last_seen_at: Date | null }>('select online, battery, last_seen_at from devices where id = $1', [id])).rows[0]
    await write([patch('plan-dev-1', { online: true, battery: 80, last_seen_at: '2026-11-29T01:00:00Z' }), patch('plan-dev-2', { online: true })])
    expect(await read('plan-dev-1')).toEqual({ online: true, battery: 80, last_seen_at: new Date('2026-11-29T01:00:00Z') })
    expect(await read('plan-dev-2')).toMatchObject({ online: true, battery: null })
    await write([patch('plan-dev-1', { online: false, last_seen_at: '2026-11-29T00:59:00Z' })])
    expect(await read('plan-dev-1')).toEqual({ online: false, battery: 80, last_seen_at: new Date('2026-11-29T01:00:00Z') })
    expect(await read('plan-dev-3')).toMatchObject({ online: false, battery: null, last_seen_at: null })
  })
})
