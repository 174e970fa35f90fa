/**
 * A bulk import never holds what an alarm waits for (issue 11; ARCHITECTURE.md: nothing else —
 * telemetry, bookkeeping, imports, reports — may delay an alarm): its rows are written a chunk
 * per statement, each committed on its own, so other statements — a fall's inbox insert among
 * them — run between chunks; and the file stays all or nothing: when a later chunk fails, the
 * chunks already written are taken back, with their history rows. The registry's lists are read
 * a page per statement too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIST_PAGE_ROWS } from '@eldercare/platform'
import { seedFallingHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { describeOnPostgres, sendCsv } from './registry-support.ts'

const N = 3000
const sitesCsv = (tag: string, community: string, n = N) => ['id,name,kind,area_id', ...Array.from({ length: n }, (_, i) => `${tag}-h${i},家庭 ${i},home,${community}`)].join('\n')

function chunkSuite (engine: 'PGlite' | 'PostgreSQL 15', start: () => Promise<TestPlatform>) {
  describe(`CSV import in chunks on ${engine}`, () => {
    let p: TestPlatform
    let community: string
    const count = async (sql: string, params: unknown[] = []) => Number((await p.db.query<{ n: string }>(sql, params, { priority: 'alarm' })).rows[0].n)

    beforeAll(async () => {
      p = await start()
      await p.api.login()
      const city = (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city').id
      const areas = await sendCsv(p.api, '/api/import/areas', `id,name,level,parent_id\nch-d,区,district,${city}\nch-s,街道,street,ch-d\nch-c,社区,community,ch-s\n`)
      expect(areas.status).toBe(201)
      community = 'ch-c'
    })
    afterAll(async () => { await p?.close() })

    /** Runs the import while counting its rows as fast as the database answers; the counts seen. */
    async function watched (table: string, prefix: string, run: () => Promise<{ status: number, body: any }>): Promise<{ seen: number[], status: number, body: any }> {
      const seen: number[] = []
      let done = false
      const watcher = (async () => {
        while (!done) {
          seen.push(await count(`select count(*) as n from ${table} where id like $1`, [`${prefix}%`]))
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
      })()
      try {
        const res = await run()
        return { seen, ...res }
      } finally {
        done = true
        await watcher
      }
    }

    it('writes sites, residents and devices a chunk at a time: statements run between chunks and see the rows written so far', async () => {
      const sites = await watched('sites', 'chs-h', () => sendCsv(p.api, '/api/import/sites', sitesCsv('chs', community)))
      expect(sites.status, JSON.stringify(sites.body).slice(0, 300)).toBe(201)
      const residents = await watched('residents', 'chs-r', () => sendCsv(p.api, '/api/import/residents',
        ['id,name,site_id,id_number,phone,key_safe_code', ...Array.from({ length: N }, (_, i) => `chs-r${i},居民 ${i},chs-h${i},11010519400203124X,1380000${String(i).padStart(4, '0')},${1000 + i}`)].join('\n')))
      expect(residents.status, JSON.stringify(residents.body).slice(0, 300)).toBe(201)
      const devices = await watched('devices', 'chs-w', () => sendCsv(p.api, '/api/import/devices',
        ['id,type,site_id,resident_id', ...Array.from({ length: N }, (_, i) => `chs-w${i},wearable,chs-h${i},chs-r${i}`)].join('\n')))
      expect(devices.status).toBe(201)
      for (const [what, r] of [['sites', sites], ['residents', residents], ['devices', devices]] as const) {
        // one transaction for the file would show nothing, then everything
        expect(r.seen.some((n) => n > 0 && n < N), `${what}: counts seen ${[...new Set(r.seen)].slice(0, 20).join(', ')}`).toBe(true)
        expect(r.seen.every((n, i) => i === 0 || n >= r.seen[i - 1]), `${what}: never fewer`).toBe(true)
      }
      expect(await count(`select count(*) as n from site_history where site_id like 'chs-h%' and change = 'create'`)).toBe(N)
      expect(await count(`select count(*) as n from residents where id like 'chs-r%' and id_number_enc is not null and key_safe_code_enc is not null`)).toBe(N)
      // the answers list every row once, in the file's order
      expect(sites.body.items.map((i: { id: string }) => i.id)).toEqual(Array.from({ length: N }, (_, i) => `chs-h${i}`))
      expect((devices.body as string).trim().split('\r\n')).toHaveLength(N + 1)
    })

    it('reads the registry lists a page per statement, answering what one statement would, in its order', async () => {
      // the 3,000 residents, homes and wearables of the test above
      const ordered = async (sql: string) => (await p.db.query<{ id: string }>(sql)).rows.map((r) => r.id)
      const lists = [
        ['/api/residents?limit=5000', `select r.id from residents r order by r.name, r.id limit 5000`],
        ['/api/sites', `select s.id from sites s order by s.name, s.id limit 5000`],
        ['/api/devices', `select d.id from devices d order by d.id limit 10000`]
      ] as const
      const before = p.db.onStatement
      for (const [path, sql] of lists) {
        let statements = 0
        p.db.onStatement = (t) => { statements++; before?.(t) }
        try {
          const items = (await p.api.get<{ items: Array<{ id: string }> }>(path)).items
          expect(items.length, path).toBeGreaterThan(LIST_PAGE_ROWS * 10)
          expect(items.map((i) => i.id), path).toEqual(await ordered(sql))
          // the ids, then a statement per page of rows (and the caller's token checked)
          expect(statements, path).toBeGreaterThanOrEqual(1 + Math.ceil(items.length / LIST_PAGE_ROWS))
        } finally {
          p.db.onStatement = before
        }
      }
    })

    it('[P-4.1] a fall during an import is recorded and PUBACKed while the import still runs', async () => {
      const { home, device } = await seedFallingHome(p)
      try {
        let answered = false
        const importing = sendCsv(p.api, '/api/import/sites', sitesCsv('chf', community, 10_000)).then((r) => { answered = true; return r })
        await expect.poll(() => count(`select count(*) as n from sites where id like 'chf-%'`), { timeout: 20_000, interval: 5 }).toBeGreaterThan(0)
        await device.event('fall', { confidence: 0.9 }) // resolves on the PUBACK, given once the inbox row is written
        const recorded = await count(`select count(*) as n from inbox where device_id = $1 and type = 'fall'`, [home.device.id])
        const stillImporting = !answered
        const res = await importing
        expect(res.status).toBe(201)
        expect(recorded).toBe(1)
        expect(stillImporting, 'the fall waited for the whole import').toBe(true)
      } finally {
        await device.close()
      }
    })

    it('takes back every chunk already written when a later one fails, history rows included: nothing of the file stays', async () => {
      // A real failure of the database on the file's last row, after every check passed.
      await p.db.exec(`create function chu_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$;
        create trigger chu_refuse_sites before insert on sites for each row when (new.id = 'chu-h${N - 1}') execute function chu_refuse();
        create trigger chu_refuse_areas before insert on areas for each row when (new.id = 'chu-c99') execute function chu_refuse();
        create trigger chu_refuse_residents before insert on residents for each row when (new.id = 'chu-r${N - 1}') execute function chu_refuse();`)
      try {
        const sites = await watched('sites', 'chu-h', () => sendCsv(p.api, '/api/import/sites', sitesCsv('chu', community)))
        expect(sites.status).toBe(500)
        if (engine === 'PGlite') expect(Math.max(...sites.seen), 'chunks were written before the failing one').toBeGreaterThan(0)
        expect(await count(`select count(*) as n from sites where id like 'chu-%'`)).toBe(0)
        expect(await count(`select count(*) as n from site_history where site_id like 'chu-%'`)).toBe(0)

        const areaRows = ['id,name,level,parent_id', 'chu-s,街道,street,ch-d', ...Array.from({ length: 100 }, (_, i) => `chu-c${i},社区 ${i},community,chu-s`)]
        const areas = await sendCsv(p.api, '/api/import/areas', areaRows.join('\n'))
        expect(areas.status).toBe(500)
        expect(await count(`select count(*) as n from areas where id like 'chu-%'`)).toBe(0)
        expect(await count(`select count(*) as n from area_history where area_id like 'chu-%'`)).toBe(0)

        const residents = await sendCsv(p.api, '/api/import/residents', ['id,name,site_id', ...Array.from({ length: N }, (_, i) => `chu-r${i},居民 ${i},chs-h${i}`)].join('\n'))
        expect(residents.status).toBe(500)
        expect(await count(`select count(*) as n from residents where id like 'chu-%'`)).toBe(0)
      } finally {
        await p.db.exec('drop trigger chu_refuse_sites on sites; drop trigger chu_refuse_areas on areas; drop trigger chu_refuse_residents on residents; drop function chu_refuse();')
      }
    })
  })
}

chunkSuite('PGlite', () => startTestPlatform())

describeOnPostgres('import_chunks', (url) => chunkSuite('PostgreSQL 15', () => startTestPlatform({ DATABASE_URL: url() })))
