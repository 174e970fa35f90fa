/**
 * Positions on the earth: the three datums Chinese devices and maps use, distances and areas.
 * Pure code, shared by the gateway (convert on ingest), the platform (dispatch, safe zones) and the
 * console (convert for display to the tile source's datum).
 *
 * - WGS-84: GPS, OpenStreetMap, Tianditu (天地图 uses CGCS2000, within centimetres of WGS-84).
 *   Everything is stored in WGS-84.
 * - GCJ-02 ("Mars coordinates", 国测局坐标): AMap/高德, Tencent, most Chinese GNSS modules. An
 *   obfuscation of WGS-84 by a published polynomial (offset of a few hundred metres), applied only
 *   inside China.
 * - BD-09: Baidu, a further rotation/offset of GCJ-02.
 */

export const CRS_VALUES = ['wgs84', 'gcj02', 'bd09'] as const
export type Crs = (typeof CRS_VALUES)[number]

export interface LatLng { lat: number, lng: number }

// Krasovsky 1940 ellipsoid, as the GCJ-02 algorithm uses it.
const A = 6378245.0
const EE = 0.00669342162296594323
const X_PI = (Math.PI * 3000.0) / 180.0

/** GCJ-02 is only applied inside China's bounding box; outside it equals WGS-84. */
export function outOfChina ({ lat, lng }: LatLng): boolean {
  return !(lng > 73.66 && lng < 135.05 && lat > 3.86 && lat < 53.55)
}

function transformLat (x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0
  return r
}

function transformLng (x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0
  return r
}

export function wgs84ToGcj02 (p: LatLng): LatLng {
  if (outOfChina(p)) return { lat: p.lat, lng: p.lng }
  let dLat = transformLat(p.lng - 105.0, p.lat - 35.0)
  let dLng = transformLng(p.lng - 105.0, p.lat - 35.0)
  const radLat = (p.lat / 180.0) * Math.PI
  let magic = Math.sin(radLat)
  magic = 1 - EE * magic * magic
  const sqrtMagic = Math.sqrt(magic)
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI)
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI)
  return { lat: p.lat + dLat, lng: p.lng + dLng }
}

/**
 * GCJ-02 has no closed-form inverse. The usual one-step estimate (subtract the offset computed at
 * the GCJ point) is off by up to ~2 m; iterating until the forward transform lands on the input
 * brings it under a millimetre, so a stored position converted back for display is where the
 * device said it was.
 */
export function gcj02ToWgs84 (p: LatLng): LatLng {
  if (outOfChina(p)) return { lat: p.lat, lng: p.lng }
  let w = { lat: p.lat, lng: p.lng }
  for (let i = 0; i < 30; i++) {
    const g = wgs84ToGcj02(w)
    const dLat = g.lat - p.lat
    const dLng = g.lng - p.lng
    w = { lat: w.lat - dLat, lng: w.lng - dLng }
    if (Math.abs(dLat) < 1e-10 && Math.abs(dLng) < 1e-10) break
  }
  return w
}

export function gcj02ToBd09 (p: LatLng): LatLng {
  const z = Math.sqrt(p.lng * p.lng + p.lat * p.lat) + 0.00002 * Math.sin(p.lat * X_PI)
  const theta = Math.atan2(p.lat, p.lng) + 0.000003 * Math.cos(p.lng * X_PI)
  return { lat: z * Math.sin(theta) + 0.006, lng: z * Math.cos(theta) + 0.0065 }
}

/** The published BD-09 inverse is also an estimate (~0.1 m off); refined the same way as GCJ-02's. */
export function bd09ToGcj02 (p: LatLng): LatLng {
  const x = p.lng - 0.0065
  const y = p.lat - 0.006
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI)
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI)
  let g = { lat: z * Math.sin(theta), lng: z * Math.cos(theta) }
  for (let i = 0; i < 30; i++) {
    const b = gcj02ToBd09(g)
    const dLat = b.lat - p.lat
    const dLng = b.lng - p.lng
    if (Math.abs(dLat) < 1e-10 && Math.abs(dLng) < 1e-10) break
    g = { lat: g.lat - dLat, lng: g.lng - dLng }
  }
  return g
}

/** A position in `from` datum, as WGS-84 (what is stored). */
export function toWgs84 (p: LatLng, from: Crs = 'wgs84'): LatLng {
  if (from === 'gcj02') return gcj02ToWgs84(p)
  if (from === 'bd09') return gcj02ToWgs84(bd09ToGcj02(p))
  return { lat: p.lat, lng: p.lng }
}

/** A stored WGS-84 position, in the datum a map or tile source expects. */
export function fromWgs84 (p: LatLng, to: Crs = 'wgs84'): LatLng {
  if (to === 'gcj02') return wgs84ToGcj02(p)
  if (to === 'bd09') return gcj02ToBd09(wgs84ToGcj02(p))
  return { lat: p.lat, lng: p.lng }
}

const EARTH_RADIUS_M = 6371008.8

/** Great-circle distance in metres (haversine, mean earth radius). */
export function distanceM (a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLng = (b.lng - a.lng) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Ray casting on lat/lng: fine for the sizes of a safe zone (a few km), where the earth is flat enough. */
export function insidePolygon (p: LatLng, polygon: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [yi, xi] = polygon[i]!
    const [yj, xj] = polygon[j]!
    if ((yi > p.lat) !== (yj > p.lat) && p.lng < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Links that open a WGS-84 position in the map apps responders carry, each in its own datum. */
export function mapAppLinks (p: LatLng, label = 'Resident'): { amap: string, baidu: string, apple: string, geo: string } {
  const g = wgs84ToGcj02(p)
  const name = encodeURIComponent(label)
  return {
    // AMap's URI API takes GCJ-02.
    amap: `https://uri.amap.com/marker?position=${g.lng.toFixed(6)},${g.lat.toFixed(6)}&name=${name}&coordinate=gaode`,
    // Baidu converts from the declared coord_type (gcj02) itself.
    baidu: `https://api.map.baidu.com/marker?location=${g.lat.toFixed(6)},${g.lng.toFixed(6)}&title=${name}&content=${name}&coord_type=gcj02&output=html`,
    // Apple's URL scheme takes the position as the phone's own GPS gives it (WGS-84).
    apple: `https://maps.apple.com/?ll=${p.lat.toFixed(6)},${p.lng.toFixed(6)}&q=${name}`,
    geo: `geo:${p.lat.toFixed(6)},${p.lng.toFixed(6)}?q=${p.lat.toFixed(6)},${p.lng.toFixed(6)}(${name})`
  }
}
