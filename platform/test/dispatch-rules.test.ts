import { describe, expect, it } from 'vitest'
import { LinkSigner, haversineM, rankCandidates, treeDistance } from '../src/features/response/dispatch.ts'

describe('dispatch candidates', () => {
  it('counts steps up the area tree: same community 0, same street 1, same district 2', () => {
    const home = '/city/d1/s1/c1/'
    expect(treeDistance(home, '/city/d1/s1/c1/')).toBe(0)
    expect(treeDistance(home, '/city/d1/s1/c2/')).toBe(1)
    expect(treeDistance(home, '/city/d1/s1/')).toBe(1)
    expect(treeDistance(home, '/city/d1/s2/c3/')).toBe(2)
  })

  it('ranks by tree distance, then by metres, then by name', () => {
    const ranked = rankCandidates([
      { name: '乙', treeDistance: 1, distanceM: 100 },
      { name: '甲', treeDistance: 0, distanceM: null },
      { name: '丙', treeDistance: 0, distanceM: 900 },
      { name: '丁', treeDistance: 0, distanceM: 300 }
    ])
    expect(ranked.map((r) => r.name)).toEqual(['丁', '丙', '甲', '乙'])
  })

  it('measures great-circle distance in metres', () => {
    // about 1.11 km per 0.01° of latitude
    expect(Math.round(haversineM({ lat: 32.99, lng: 112.53 }, { lat: 33.0, lng: 112.53 }) / 10)).toBe(111)
  })
})

describe('responder links', () => {
  const key = Buffer.alloc(32, 7)

  it('verifies its own signature and refuses a tampered one', () => {
    let t = 1_000_000
    const s = new LinkSigner(key, () => t)
    const token = s.sign('offer-1', 60_000)
    expect(s.verify(token)).toBe('offer-1')
    const tampered = token.replace('offer-1', 'offer-2')
    expect(() => s.verify(tampered)).toThrow(expect.objectContaining({ code: 'PLT_ERR_LINK_INVALID' }))
    expect(() => new LinkSigner(Buffer.alloc(32, 8), () => t).verify(token)).toThrow(expect.objectContaining({ code: 'PLT_ERR_LINK_INVALID' }))
    t += 60_001
    expect(() => s.verify(token)).toThrow(expect.objectContaining({ code: 'PLT_ERR_LINK_EXPIRED' }))
  })
})
