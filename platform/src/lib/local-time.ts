/**
 * Calendar days and months as the people served live them: in the service's time zone
 * (TIME_ZONE, default Asia/Shanghai), not UTC. A visit at 07:30 on the 1st in Beijing
 * belongs to that month, although it is still the previous day in UTC.
 */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'

export function isTimeZone (tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function parts (at: number, tz: string): { y: number, m: number, d: number, h: number, min: number, s: number } {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    formatters.set(tz, f)
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, Number(x.value)]))
  return { y: p.year, m: p.month, d: p.day, h: p.hour, min: p.minute, s: p.second }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** `YYYY-MM-DD` of the instant `at` in `tz`. */
export function localDate (at: number, tz: string): string {
  const p = parts(at, tz)
  return `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`
}

/** `YYYY-MM` of the instant `at` in `tz`. */
export function monthOf (at: number, tz: string): string {
  return localDate(at, tz).slice(0, 7)
}

/** The instant of local midnight starting day `y-m-d` in `tz` (months may overflow: m = 13 is next January). */
export function localMidnight (y: number, m: number, d: number, tz: string): Date {
  const wall = Date.UTC(y, m - 1, d)
  // The zone's offset at an instant, then once more at the corrected instant (a DST change may lie between).
  const offsetAt = (t: number) => { const p = parts(t, tz); return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - t }
  let t = wall - offsetAt(wall)
  t = wall - offsetAt(t)
  return new Date(t)
}

/** [start, end) of calendar month `YYYY-MM` in `tz`, as instants. */
export function monthBounds (month: string, tz: string): { start: Date, end: Date } {
  const [y, m] = month.split('-').map(Number)
  return { start: localMidnight(y, m, 1, tz), end: localMidnight(y, m + 1, 1, tz) }
}

/** `YYYY-MM-DD` of the last day of month `YYYY-MM`. */
export function lastDayOf (month: string): string {
  const [y, m] = month.split('-').map(Number)
  return `${month}-${pad(new Date(Date.UTC(y, m, 0)).getUTCDate())}`
}
