/**
 * Whose readings (issue 11): each point carries its device's resident from the readings' owner
 * cache. A device not cached waits for its lookup; an entry past its TTL is answered at once and
 * re-read with every other stale entry of the next ownerRefreshDelayMs in one statement — at 10,000
 * devices the refresh was ~60 statements a second of a few ids each, 4 % of the embedded database's
 * time. A reassignment the gateway is told of takes effect at the next message. Statements counted
 * as they pass a real engine.
 */
import { expect, it } from 'vitest'
import { pino } from 'pino'
import { GatewayStore, Readings } from '@eldercare/gateway/testing'
import type { Db } from '@eldercare/platform'
import { onEachEngine, watchedSql } from '../support/engines.ts'

const DEVICES = ['wr-1', 'wr-2', 'wr-3', 'wr-4']

const seed = async (db: Db) => {
  await db.exec(`insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
    insert into sites (id, name, kind, area_id) values ('s1', '家', 'home', 'a1');
    insert into residents (id, name, site_id) select 'res-' || i, '居民' || i, 's1' from generate_series(1, 6) i;
    insert into devices (id, type, site_id, resident_id, secret_hash) select 'wr-' || i, 'wearable', 's1', 'res-' || i, 'x' from generate_series(1, 4) i;`)
}

const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

onEachEngine('owner_refresh', seed, (db) => {
  it('re-reads stale owners together, one statement for all, answering from the cache meanwhile; a told reassignment is read at once', async () => {
    const { sql, statements } = watchedSql(db(), /^select id, type, resident_id from devices/)
    let clock = Date.parse('2026-12-01T08:00:00Z')
    const readings = new Readings({
      sql, store: new GatewayStore(sql), log: pino({ level: 'silent' }), notify: () => {}, now: () => clock,
      detection: false, ownerCacheTtlMs: 30_000, ownerRefreshDelayMs: 200
    })
    await readings.start()
    const stored = async (): Promise<Array<{ device_id: string, resident_id: string, hr: number }>> => {
      await readings.writer.flush()
      return (await db().query<{ device_id: string, resident_id: string, hr: number }>('select device_id, resident_id, hr from readings order by hr')).rows
    }
    let hr = 0
    const send = (deviceId: string) => readings.onTelemetry(deviceId, { id: `t${++hr}`, ts: clock, vitals: { hr } }, new Date(clock), false)
    try {
      // not cached: every device waits for its lookup, the four in one statement
      await Promise.all(DEVICES.map(send))
      expect(statements.map((s) => s.params)).toEqual([[DEVICES]])

      // cached: answered as values, no promise, no statement
      for (const d of DEVICES) expect(send(d)).toBeUndefined()
      expect(statements).toHaveLength(1)

      // another process reassigns wr-2 and wr-3 without telling this one; past the TTL the cached
      // owners still answer at once, and nothing is read until the refresh delay has gathered them:
      // messages trickling in turn by turn, as devices send (a statement each, before)
      await db().query(`update devices set resident_id = case id when 'wr-2' then 'res-5' else 'res-6' end where id in ('wr-2', 'wr-3')`)
      clock += 31_000
      for (let round = 0; round < 3; round++) {
        for (const d of DEVICES) {
          expect(send(d)).toBeUndefined()
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }
      expect(statements).toHaveLength(1)
      await until(() => statements.length === 2)
      expect((statements[1]!.params![0] as string[]).sort()).toEqual(DEVICES)
      await new Promise((resolve) => setTimeout(resolve, 50)) // the statement's answers reach the cache
      for (const d of DEVICES) expect(send(d)).toBeUndefined()
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(statements).toHaveLength(2) // fresh again: no further read

      const rows = await stored()
      const last = (d: string) => rows.filter((r) => r.device_id === d).at(-1)!.resident_id
      expect(rows).toHaveLength(hr)
      expect([last('wr-1'), last('wr-2'), last('wr-3'), last('wr-4')]).toEqual(['res-1', 'res-5', 'res-6', 'res-4'])
      // the messages of the stale window were stored under the owner cached then
      const stale = rows.filter((r) => r.hr > 8 && r.hr <= 20)
      expect(stale.filter((r) => r.device_id === 'wr-2').map((r) => r.resident_id)).toEqual(['res-2', 'res-2', 'res-2'])

      // a reassignment the gateway is told of (the registry's invalidateDevice): a stale entry
      // gathered for the refresh is dropped from it and the next message waits for its own read
      await db().query(`update devices set resident_id = 'res-1' where id = 'wr-4'`)
      clock += 31_000
      expect(send('wr-1')).toBeUndefined() // stale: gathered
      expect(send('wr-4')).toBeUndefined() // stale: gathered
      readings.invalidateDevice('wr-4')
      const waited = send('wr-4')
      expect(waited).toBeInstanceOf(Promise)
      await waited
      expect(statements.slice(2).map((s) => s.params)).toEqual([[['wr-4']]])
      await until(() => statements.length === 4)
      expect(statements[3]!.params).toEqual([['wr-1']])
      expect((await stored()).at(-1)).toMatchObject({ device_id: 'wr-4', resident_id: 'res-1' })
    } finally {
      await readings.close()
    }
  })
})
