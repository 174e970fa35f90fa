import { describe, expect, it } from 'vitest'
import { tileOrigin } from '../src/app.ts'

describe('the console CSP admits the installation\'s map tiles (MAP_TILES)', () => {
  it('takes the scheme and host of the tile template', () => {
    expect(tileOrigin('http://127.0.0.1:41234/tiles/{z}/{x}/{y}.png')).toEqual(['http://127.0.0.1:41234'])
  })
  it('widens a templated subdomain to a CSP wildcard, which may only stand leftmost', () => {
    expect(tileOrigin('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png')).toEqual(['https://*.tile.openstreetmap.org'])
    expect(tileOrigin('http://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}')).toEqual(['http://*.tianditu.gov.cn'])
    expect(tileOrigin('https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}')).toEqual(['https://*.is.autonavi.com'])
  })
  it('adds nothing without tiles, or for a template that is not http(s)', () => {
    expect(tileOrigin(null)).toEqual([])
    expect(tileOrigin(undefined)).toEqual([])
    expect(tileOrigin('file:///srv/tiles/{z}/{x}/{y}.png')).toEqual([])
  })
})
