/**
 * Work over many items cut into turns of the event loop (issue 11, ARCHITECTURE.md: no single
 * task may hold the event loop for more than a few milliseconds). A supervisor's city-wide count
 * over 10,000 residents held it 8–22 ms in one go, and a fall's PUBACK, its incident and the
 * consoles' messages wait for the loop as much as for the database.
 */
import { setImmediate as turn } from 'node:timers/promises'

/** Items handled per turn by `inTurns`: for residents counted, 1–2 ms a turn. */
export const ITEMS_PER_TURN = 1000

/**
 * `part(page)` over `items` a page at a time, a turn of the event loop between pages, the parts
 * combined in order by `add`. `part` must answer for its page alone (counts that add up).
 */
export async function inTurns<T, R> (items: readonly T[], part: (page: readonly T[]) => R, add: (a: R, b: R) => R, size = ITEMS_PER_TURN): Promise<R> {
  let out = part(items.slice(0, size))
  for (let i = size; i < items.length; i += size) {
    await turn()
    out = add(out, part(items.slice(i, i + size)))
  }
  return out
}

/** `items.map(fn)` a page at a time, a turn of the event loop between pages (`inTurns`); the answers in order. */
export function mapInTurns<T, R> (items: readonly T[], fn: (item: T) => R, size = ITEMS_PER_TURN): Promise<R[]> {
  return inTurns(items, (page) => page.map((item) => fn(item)), (a, b) => { for (const x of b) a.push(x); return a }, size)
}

/**
 * Runs `fn` once `everyMs` have passed since `lastAt` (performance.now()): on the next turn of the
 * event loop after a quiet spell, else when the time comes. Work told in turns at least `everyMs`
 * apart — a storm's statuses to the consoles, its presence changes to the database — batches
 * what comes meanwhile, and a lone change is not held. Answers a cancel.
 */
export function spacedTurn (lastAt: number, everyMs: number, fn: () => void): () => void {
  const left = () => lastAt + everyMs - performance.now()
  const wait = left()
  if (wait <= 0) {
    const next = setImmediate(fn)
    return () => clearImmediate(next)
  }
  // a timer counts whole milliseconds of the loop's clock and may fire up to one early against
  // performance.now(): on waking, the rest is waited out, so the spacing is never short
  let timer: NodeJS.Timeout
  const due = () => {
    const rest = left()
    if (rest > 0) timer = setTimeout(due, Math.ceil(rest))
    else fn()
  }
  timer = setTimeout(due, Math.ceil(wait))
  return () => clearTimeout(timer)
}
