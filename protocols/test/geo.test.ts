import { describe, expect, it } from 'vitest'
import {
  bd09ToGcj02, distanceM, fromWgs84, gcj02ToBd09, gcj02ToWgs84, insidePolygon, mapAppLinks, toWgs84, wgs84ToGcj02
} from '../src/index.ts'

// Published reference outputs for the input (lng 116.404, lat 39.915), Beijing, from the widely used
// implementation wandergis/coordtransform (test/app.js, "result" block).
const IN = { lat: 39.915, lng: 116.404 }
const REF = {
  wgs84ToGcj02: { lng: 116.41024449916938, lat: 39.91640428150164 },
  gcj02ToBd09: { lng: 116.41036949371029, lat: 39.92133699351021 },
  // the two inverses there are one-step estimates; ours iterate, so they are only near these
  bd09ToGcj02: { lng: 116.39762729119315, lat: 39.90865673957631 },
  gcj02ToWgs84OneStep: { lng: 116.39775550083061, lat: 39.91359571849836 }
}

describe('geo datum conversions against published reference points', () => {
  it('WGS-84 → GCJ-02 matches the reference to 1e-9°', () => {
    const g = wgs84ToGcj02(IN)
    expect(g.lat).toBeCloseTo(REF.wgs84ToGcj02.lat, 9)
    expect(g.lng).toBeCloseTo(REF.wgs84ToGcj02.lng, 9)
  })

  it('GCJ-02 → BD-09 matches the reference to 1e-9°', () => {
    const b = gcj02ToBd09(IN)
    expect(b.lat).toBeCloseTo(REF.gcj02ToBd09.lat, 9)
    expect(b.lng).toBeCloseTo(REF.gcj02ToBd09.lng, 9)
  })

  it('BD-09 → GCJ-02 is within 0.5 m of the one-step reference and exact on the round trip (< 1 mm)', () => {
    const g = bd09ToGcj02(IN)
    expect(distanceM(g, REF.bd09ToGcj02)).toBeLessThan(0.5)
    expect(distanceM(gcj02ToBd09(g), IN)).toBeLessThan(0.001)
  })

  it('GCJ-02 → WGS-84 is within 2 m of the one-step reference and exact on the round trip (< 1 mm)', () => {
    const w = gcj02ToWgs84(IN)
    expect(distanceM(w, REF.gcj02ToWgs84OneStep)).toBeLessThan(2)
    expect(distanceM(wgs84ToGcj02(w), IN)).toBeLessThan(0.001)
  })

  it('round trips WGS-84 → GCJ-02/BD-09 → WGS-84 across China to < 1 cm', () => {
    const points = [IN, { lat: 32.99, lng: 112.53 }, { lat: 22.54, lng: 114.06 }, { lat: 43.82, lng: 87.61 }, { lat: 30.66, lng: 104.06 }]
    for (const p of points) {
      for (const crs of ['wgs84', 'gcj02', 'bd09'] as const) {
        expect(distanceM(toWgs84(fromWgs84(p, crs), crs), p)).toBeLessThan(0.01)
      }
    }
  })

  it('the GCJ-02 offset is a few hundred metres inside China and nothing outside it', () => {
    const d = distanceM(IN, wgs84ToGcj02(IN))
    expect(d).toBeGreaterThan(100)
    expect(d).toBeLessThan(1000)
    const paris = { lat: 48.8584, lng: 2.2945 }
    expect(wgs84ToGcj02(paris)).toEqual(paris)
    expect(toWgs84(paris, 'gcj02')).toEqual(paris)
  })
})

describe('geo distances and areas', () => {
  it('distanceM: one degree of latitude is ~111.2 km; Beijing–Shanghai ~1067 km', () => {
    expect(distanceM({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111195, -1)
    const d = distanceM({ lat: 39.9042, lng: 116.4074 }, { lat: 31.2304, lng: 121.4737 })
    expect(d).toBeGreaterThan(1060000)
    expect(d).toBeLessThan(1075000)
  })

  it('insidePolygon: inside, outside, concave notch', () => {
    // a U shape: the notch (lat 0.5–1, lng 0.4–0.6) is outside
    const u: Array<[number, number]> = [[0, 0], [1, 0], [1, 0.4], [0.5, 0.4], [0.5, 0.6], [1, 0.6], [1, 1], [0, 1]]
    expect(insidePolygon({ lat: 0.2, lng: 0.5 }, u)).toBe(true)
    expect(insidePolygon({ lat: 0.8, lng: 0.2 }, u)).toBe(true)
    expect(insidePolygon({ lat: 0.8, lng: 0.5 }, u)).toBe(false)
    expect(insidePolygon({ lat: 1.5, lng: 0.5 }, u)).toBe(false)
  })

  it('mapAppLinks: AMap and Baidu get GCJ-02, Apple and geo: get WGS-84', () => {
    const links = mapAppLinks(IN, 'Zhang')
    const g = wgs84ToGcj02(IN)
    expect(links.amap).toContain(`position=${g.lng.toFixed(6)},${g.lat.toFixed(6)}`)
    expect(links.baidu).toContain(`location=${g.lat.toFixed(6)},${g.lng.toFixed(6)}`)
    expect(links.baidu).toContain('coord_type=gcj02')
    expect(links.apple).toContain('ll=39.915000,116.404000')
    expect(links.geo).toMatch(/^geo:39\.915000,116\.404000\?q=/)
  })
})
