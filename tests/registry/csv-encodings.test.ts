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
