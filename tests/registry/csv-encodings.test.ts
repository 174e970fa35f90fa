/**
 * Issue 13: a CSV saved by Excel on Chinese Windows is GB18030/GBK, one saved as "CSV UTF-8"
 * starts with a byte-order mark. Both import with their Chinese names intact; bytes that are no
 * known encoding are refused with a message naming the encodings, never imported as "�".
 */
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { sendCsv } from './registry-support.ts'

describe('CSV encodings (issue 13)', () => {
  let p: TestPlatform
  let cityId: string
  beforeAll(async () => {
    p = await startTestPlatform()
    await p.api.login()
    cityId = (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city').id
  })
  afterAll(async () => { await p?.close() })
  const names = async () => (await p.api.get('/api/areas')).items.map((a: { name: string }) => a.name)

  it('imports a GBK file as Excel on Chinese Windows writes it', async () => {
    const csv = `id,name,level,parent_id\r\ngbk1,朝阳区,district,${cityId}\r\ngbk2,望京街道,street,gbk1\r\n`
    const bytes = iconv.encode(csv, 'gbk')
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow() // really not UTF-8
    const r = await sendCsv(p.api, '/api/import/areas', bytes)
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(await names()).toEqual(expect.arrayContaining(['朝阳区', '望京街道']))
    expect((await names()).join('')).not.toContain('\uFFFD')
  })

  it('imports UTF-8 with a byte-order mark, the BOM not part of the first column', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`id,name,level,parent_id\nbom1,海淀区,district,${cityId}\n`, 'utf8')])
    const r = await sendCsv(p.api, '/api/import/areas', bytes)
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(await names()).toContain('海淀区')
  })

  it('refuses bytes that are neither UTF-8 nor GB18030, naming the encodings, and one that lies about its charset', async () => {
    const junk = Buffer.concat([Buffer.from(`id,name,level,parent_id\nx1,`), Buffer.from([0xff, 0xff, 0xff, 0x80]), Buffer.from(`,district,${cityId}\n`)])
    const r = await sendCsv(p.api, '/api/import/areas', junk)
    expect(r.status).toBe(422)
    expect(r.body.error.details.problems[0].message).toMatch(/neither UTF-8 nor GB18030/)
    const gbk = iconv.encode(`id,name,level,parent_id\nx2,丰台区,district,${cityId}\n`, 'gbk')
    const lied = await sendCsv(p.api, '/api/import/areas', gbk, 'text/csv; charset=utf-8')
    expect(lied.status).toBe(422)
    expect(lied.body.error.details.problems[0].message).toMatch(/not valid UTF-8/)
    const declared = await sendCsv(p.api, '/api/import/areas', gbk, 'text/csv; charset=GBK')
    expect(declared.status, JSON.stringify(declared.body)).toBe(201)
    expect(await names()).toContain('丰台区')
  })
})

describe('a large import does not hold the alarms back (issue 13)', () => {
  let p: TestPlatform
  beforeAll(async () => { p = await startTestPlatform(); await p.api.login() })
  afterAll(async () => { await p?.close() })

  it('writes in bounded transactions: an alarm\'s inbox row is recorded while the import is still writing', async () => {
    const city = (await p.api.get('/api/areas')).items.find((a: { level: string }) => a.level === 'city').id
    const district = await p.api.post('/api/areas', { name: '大区', level: 'district', parentId: city })
    const street = await p.api.post('/api/areas', { name: '大街道', level: 'street', parentId: district.id })
    const community = await p.api.post('/api/areas', { name: '大社区', level: 'community', parentId: street.id })
    const site = await p.api.post('/api/sites', { name: '大院', kind: 'home', areaId: community.id })
    const rows = 5000
    const csv = ['name,site_id', ...Array.from({ length: rows }, (_, i) => `居民${i},${site.id}`)].join('\n')
    const count = async () => Number((await p.db.query<{ n: string }>('select count(*) as n from residents where site_id = $1', [site.id])).rows[0].n)
    const importing = sendCsv(p.api, '/api/import/residents', Buffer.from(csv))
    // the first chunk is committed while the rest is still to come
    let seen = 0
    while ((seen = await count()) === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    // an alarm arriving now is written between two chunks, not after the whole file
    await p.db.query('insert into inbox (device_id, msg_id, kind, type, payload) values ($1, $2, $3, $4, $5)', ['d-import-probe', 'm-1', 'event', 'fall', '{}'])
    const whenAlarmWritten = await count()
    expect(seen).toBeLessThan(rows)
    expect(whenAlarmWritten).toBeLessThan(rows)
    const r = await importing
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(201)
    expect(await count()).toBe(rows)
  })
})
