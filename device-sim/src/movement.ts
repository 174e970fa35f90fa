/**
 * Where a simulated wearer is (issue 15): a pure function of time, so the demo's map, track and
 * geofence can be watched live and a test can say exactly where the wearer was.
 *
 * One cycle (default 2 h, shortened for the demo) of a day's outings from home:
 *   0–50 %  at home (a few metres of GNSS jitter)
 *   50–65 % a walk around the home (a loop of `walkRadiusM`, inside a default safe zone)
 *   65–72 % to the market (`marketDistanceM` away, in a direction fixed per wearer)
 *   72–80 % at the market
 *   80–87 % back home
 *   87–100 % at home
 * `wander` positions lead straight away from home, past any safe zone.
 */
export interface LatLng { lat: number, lng: number }

export interface MovementOptions {
  home: LatLng
  /** length of one cycle, ms. Default 2 h. */
  cycleMs?: number
  /** where in the cycle the wearer starts (0–1); default 0 */
  phase?: number
  /** direction of the market from home, degrees from north. Default 45. */
  bearingDeg?: number
  marketDistanceM?: number
  walkRadiusM?: number
}

const M_PER_DEG_LAT = 111_195

/** `home` moved `metres` along `bearingDeg` (flat-earth: fine over a few km). */
export function offset (home: LatLng, metres: number, bearingDeg: number): LatLng {
  const b = (bearingDeg * Math.PI) / 180
  return {
    lat: home.lat + (metres * Math.cos(b)) / M_PER_DEG_LAT,
    lng: home.lng + (metres * Math.sin(b)) / (M_PER_DEG_LAT * Math.cos((home.lat * Math.PI) / 180))
  }
}

export type Activity = 'home' | 'walk' | 'to_market' | 'market' | 'from_market'

/** Position and what the wearer is doing at `t` (epoch ms); accuracy in metres. */
export function positionAt (t: number, o: MovementOptions): LatLng & { acc: number, activity: Activity } {
  const cycle = o.cycleMs ?? 2 * 3600_000
  const f = (((t / cycle + (o.phase ?? 0)) % 1) + 1) % 1
  const bearing = o.bearingDeg ?? 45
  const market = o.marketDistanceM ?? 900
  const walk = o.walkRadiusM ?? 150
  // deterministic jitter of a few metres from the time itself
  const jitter = (k: number) => Math.sin(t / 7919 + k) * 4
  const at = (p: LatLng, acc: number, activity: Activity) => ({ ...offset(p, Math.abs(jitter(1)), (jitter(2) * 90) % 360), acc, activity })
  if (f < 0.5 || f >= 0.87) return at(o.home, 15, 'home')
  if (f < 0.65) {
    const a = ((f - 0.5) / 0.15) * 360 // one loop around the home
    return at(offset(o.home, walk, a), 10, 'walk')
  }
  if (f < 0.72) return at(offset(o.home, market * ((f - 0.65) / 0.07), bearing), 10, 'to_market')
  if (f < 0.8) return at(offset(o.home, market, bearing), 20, 'market')
  return at(offset(o.home, market * (1 - (f - 0.8) / 0.07), bearing), 10, 'from_market')
}

/** A wanderer `k` steps out (each `stepM`, default 300 m) straight away from home. */
export function wanderPosition (home: LatLng, k: number, bearingDeg = 200, stepM = 300): LatLng & { acc: number } {
  return { ...offset(home, k * stepM, bearingDeg), acc: 15 }
}
