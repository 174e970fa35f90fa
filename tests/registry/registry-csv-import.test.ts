/**
 * Loading a city from CSV: areas, sites, residents and devices; every row validated first, all
 * problems reported with their line numbers, nothing written unless the whole file is valid; a
 * device import answers the secrets once, and a device connects with one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimDevice } from '@eldercare/device-sim'
import { startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { describeOnPostgres, sendCsv } from './registry-support.ts'

let p: TestPlatform
let cityId: string
const count = async (table: string) => Number((await p.db.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0].n)

function importSuite (name: string, start: () => Promise<TestPlatform>) {
  describe(`CSV import on ${name}`, () => {
    beforeAll(async () => {
      p = await start()
      await p.api.login()
      cityId = (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city').id
    })
    afterAll(async () => { await p?.close() })

    it('loads areas, sites, residents and devices, and a device connects with its imported secret', async () => {
      const areas = await sendCsv(p.api, '/api/import/areas', [
        'id,name,level,parent_id',
        `d1,东城区,district,${cityId}`,
        's1,和平街道,street,d1',
        'c1,"幸福里社区, 一期",community,s1',
        'c2,长寿桥社区,community,s1'
      ].join('\n'))
      expect(areas.status).toBe(201)
      expect(areas.body.imported).toBe(4)
      const tree = (await p.api.get('/api/areas')).items
      expect(tree.find((a: { id: string }) => a.id === 'c1')).toMatchObject({ name: '幸福里社区, 一期', level: 'community', parentId: 's1', depth: 3 })

      const sites = await sendCsv(p.api, '/api/import/sites', [
        'id,name,kind,area_id,address,lat,lng,rooms',
        'h1,幸福里 3 栋 201,home,c1,幸福里 3 栋,39.9,116.4,',
        'i1,长寿桥养老院,institution,c2,长寿桥 1 号,,,101:A|B;102'
      ].join('\n'))
      expect(sites.status).toBe(201)
      expect(await p.api.get('/api/sites/i1')).toMatchObject({ kind: 'institution', rooms: [{ room: '101', beds: ['A', 'B'] }, { room: '102' }] })

      const residents = await sendCsv(p.api, '/api/import/residents', [
        'id,name,site_id,sex,birth_date,id_number,phone,capacity_level,flags,conditions,room,bed,key_safe_code,contact1_name,contact1_phone,contact1_relation,contact1_notify,contact1_consent_at',
        'r1,王秀英,h1,female,1941-03-12,110105194103121234,13800001111,2,lives_alone;special_difficulty,高血压;骨质疏松,,,0815,王小明,13900002222,儿子,yes,2026-01-05T08:00:00Z',
        'r2,赵志强,i1,male,1935-05-18,,,4,,脑卒中后遗症,101,B,,,,,,'
      ].join('\n'))
      expect(residents.status, JSON.stringify(residents.body)).toBe(201)
      const r1 = await p.api.get('/api/residents/r1')
      expect(r1).toMatchObject({ name: '王秀英', flags: ['lives_alone', 'special_difficulty'], idNumber: '**************1234', hasKeySafeCode: true, capacityName: '中度失能' })
      expect(r1.contacts).toEqual([{ name: '王小明', phone: '*******2222', relation: '儿子', notify: true, consentAt: '2026-01-05T08:00:00Z' }])
      expect(await p.api.get('/api/residents/r2')).toMatchObject({ room: '101', bed: 'B', flags: [] })

      const devices = await sendCsv(p.api, '/api/import/devices', [
        'id,type,site_id,resident_id,parent_id',
        'hub-i1,hub,i1,,',
        'fall-r2,fall_detector,i1,r2,hub-i1',
        'sos-r1,sos_button,h1,r1,'
      ].join('\n'))
      expect(devices.status).toBe(201)
      expect(devices.type).toContain('text/csv')
      const lines = (devices.body as string).trim().split('\r\n')
      expect(lines[0]).toBe('line,id,type,site_id,resident_id,secret')
      expect(lines).toHaveLength(4)
      const sos = lines.find((l) => l.includes('sos-r1'))!.split(',')
      expect(sos.slice(0, 5)).toEqual(['4', 'sos-r1', 'sos_button', 'h1', 'r1'])
      const secret = sos[5]
      expect(secret.length).toBeGreaterThan(20)
      expect((await p.db.query<{ secret_hash: string }>(`select secret_hash from devices where id = 'sos-r1'`)).rows[0].secret_hash).not.toContain(secret)
      expect((await p.api.get('/api/devices/fall-r2')).parentId).toBe('hub-i1')

      // [P-1.2] the imported secret is the one the broker accepts.
      const dev = new SimDevice({ url: p.mqttUrl, credentials: { id: 'sos-r1', secret, type: 'sos_button' } })
      try { await dev.connect() } finally { await dev.close() }

      const audit = (await p.api.get('/api/audit?action=import.')).items.map((e: { action: string, data: { rows: number } }) => [e.action, e.data.rows])
      expect(audit).toEqual([['import.devices', 3], ['import.residents', 2], ['import.sites', 2], ['import.areas', 4]])
    })

    it('reports every problem of a broken resident file with its line number and imports nothing', async () => {
      const before = await count('residents')
      const res = await sendCsv(p.api, '/api/import/residents', [
        'id,name,site_id,birth_date,id_number,capacity_level,flags,room,contact1_name,contact1_phone',
        'ok1,好的行,h1,1940-01-01,,1,,,,', // line 2: fine
        'bad1,,h1,1940-01-01,,1,,,,', // line 3: no name
        'bad2,张三,nowhere,1940-01-01,,1,,,,', // line 4: unknown site
        'bad3,李四,h1,01/02/1940,12345,7,lonely,,,', // line 5: date, id number, capacity, flag
        '"bad4","王五\n（二号）",i1,1940-01-01,,2,,999,,', // lines 6-7: room not in the institution (quoted newline)
        'ok1,重复,h1,,,,,,,', // line 8: duplicate id
        'bad5,赵六,h1,,,,,,儿子,not-a-phone' // line 9: contact phone
      ].join('\n'))
      expect(res.status).toBe(422)
      expect(res.body.error.code).toBe('PLT_ERR_IMPORT_INVALID')
      const problems: Array<{ line: number, column?: string, message: string }> = res.body.error.details.problems
      const byLine = (line: number) => problems.filter((x) => x.line === line)
      expect(byLine(2)).toEqual([])
      expect(byLine(3).map((x) => x.column)).toContain('name')
      expect(byLine(5).map((x) => x.column)).toEqual(expect.arrayContaining(['birth_date', 'id_number', 'capacity_level', 'flags']))
      expect(byLine(9).map((x) => x.column)).toContain('contact1_phone')
      expect(problems.map((x) => x.line)).toEqual([3, 5, 5, 5, 5, 9])
      // Shape problems are reported first; references are checked once every row has the right shape.
      expect(await count('residents')).toBe(before)

      const refs = await sendCsv(p.api, '/api/import/residents', [
        'id,name,site_id,room',
        'ok2,好的行,h1,',
        'bad2,张三,nowhere,',
        '"bad4","王五\n（二号）",i1,999',
        'r1,重复的已有 id,h1,'
      ].join('\n'))
      expect(refs.status).toBe(422)
      expect(refs.body.error.details.problems).toEqual([
        { line: 3, column: 'site_id', message: 'site nowhere is not in your scope' },
        { line: 5, column: 'room', message: 'room 999 is not one of the institution\'s rooms' },
        { line: 6, column: 'id', message: 'id r1 is already registered' }
      ])
      expect(await count('residents')).toBe(before)
    })

    it('refuses unknown and missing columns, parents listed later, and a device file with one bad row, writing nothing', async () => {
      const header = await sendCsv(p.api, '/api/import/areas', 'name,levl\nx,district\n')
      expect(header.status).toBe(422)
      expect(header.body.error.details.problems.map((x: { message: string }) => x.message)).toEqual([
        expect.stringContaining('unknown column "levl"'), 'missing column "level"'])

      const areasBefore = await count('areas')
      const order = await sendCsv(p.api, '/api/import/areas', `id,name,level,parent_id\ns9,街道,street,d9\nd9,区,district,${cityId}\nx9,社区,community,c1\n`)
      expect(order.status).toBe(422)
      expect(order.body.error.details.problems).toEqual([
        { line: 2, column: 'parent_id', message: 'parent d9 is listed later (line 3); list parents first' },
        { line: 4, column: 'level', message: 'a community cannot sit under a community' }
      ])
      expect(await count('areas')).toBe(areasBefore)

      const devicesBefore = await count('devices')
      const dev = await sendCsv(p.api, '/api/import/devices', 'type,site_id,resident_id\nfall_detector,h1,\ntoaster,h1,\nsos_button,h1,r2\n')
      expect(dev.status).toBe(422)
      expect(dev.type).toContain('json') // no secrets leave for a refused file
      expect(dev.body.error.details.problems.map((x: { line: number }) => x.line)).toEqual([3])
      const dev2 = await sendCsv(p.api, '/api/import/devices', 'type,site_id,resident_id\nfall_detector,h1,\nsos_button,h1,r2\n')
      expect(dev2.body.error.details.problems).toEqual([{ line: 3, column: 'resident_id', message: 'resident_id must name a resident of the same site' }])
      expect(await count('devices')).toBe(devicesBefore)

      // `_` is a LIKE wildcard: an area id with it could widen a scope prefix, so ids may not hold one.
      const wildcard = await sendCsv(p.api, '/api/import/areas', `id,name,level,parent_id\nd_1,区,district,${cityId}\n`)
      expect(wildcard.body.error.details.problems).toEqual([{ line: 2, column: 'id', message: expect.stringContaining('/id') }])

      const notCsv = await sendCsv(p.api, '/api/import/sites', 'name,kind,area_id\n"unterminated,home,c1\n')
      expect(notCsv.status).toBe(422)
      expect(notCsv.body.error.details.problems[0].message).toMatch(/not valid CSV/)
    })

    it('imports thousands of residents in one all-or-nothing file', async () => {
      const n = 3000
      const rows = ['name,site_id,birth_date,capacity_level,flags,phone']
      for (let i = 0; i < n; i++) rows.push(`居民${i},h1,19${30 + (i % 20)}-0${1 + (i % 9)}-1${i % 10},${i % 5},${i % 3 === 0 ? 'empty_nest' : ''},1380000${String(i).padStart(4, '0')}`)
      const before = await count('residents')
      const res = await sendCsv(p.api, '/api/import/residents', rows.join('\n'))
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(201)
      expect(res.body.imported).toBe(n)
      expect(await count('residents')).toBe(before + n)
    })

    it('answers 403 to a non-administrator and 404 for a site outside the importer\'s area', async () => {
      const op = await p.api.post('/api/users', { username: 'importer-op', password: 'correct-horse-battery', role: 'operator', areaId: 'c1' })
      expect(op.id).toBeTruthy()
      const { Api } = await import('../support/platform.ts')
      const opApi = new Api(p.httpUrl)
      await opApi.login('importer-op', 'correct-horse-battery')
      expect((await sendCsv(opApi, '/api/import/sites', 'name,kind,area_id\nx,home,c1\n')).status).toBe(403)

      await p.api.post('/api/users', { username: 'admin-c2', password: 'correct-horse-battery', role: 'admin', areaId: 'c2' })
      const c2Admin = new Api(p.httpUrl)
      await c2Admin.login('admin-c2', 'correct-horse-battery')
      const res = await sendCsv(c2Admin, '/api/import/residents', 'name,site_id\n外区居民,h1\n')
      expect(res.body.error.details.problems).toEqual([{ line: 2, column: 'site_id', message: 'site h1 is not in your scope' }])
    })
  })
}

importSuite('PGlite', () => startTestPlatform())

describeOnPostgres('csv_import', (url) => importSuite('PostgreSQL 15', () => startTestPlatform({ DATABASE_URL: url() })))
