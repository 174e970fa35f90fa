// What an operator console page did, observed from outside its code, so that production code
// carries no counters for tests:
//
//   const tones = await watchAlarmTones(page)      // before the page first loads the console
//   const socket = watchSocketEvents(page)
//   …
//   expect(await tones()).toBeGreaterThan(before)  // Web Audio oscillators the page started
//   expect(await socket.received(['incident:opened'])).toBe(0)
//
// Tones: a script added to the page before any of its own counts OscillatorNode.start calls;
// headless Chromium plays to no speaker, but the console's tone player schedules real oscillators.
// Socket events: socket.io frames read off the page's WebSocket and, before the upgrade, off the
// bodies of its long-polling answers (Engine.IO v4: packets separated by \x1e; an event is
// `42["name", …]`).
import type { Page } from 'playwright-core'

interface ProbedWindow { __probeTonesStarted?: number }

/** Counts the alarm tones the page starts; returns a reader. Call before the page's first goto. */
export async function watchAlarmTones(page: Page): Promise<() => Promise<number>> {
  await page.addInitScript(() => {
    const w = window as unknown as ProbedWindow
    w.__probeTonesStarted = 0
    const start = OscillatorNode.prototype.start
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode['start']>) {
      w.__probeTonesStarted = (w.__probeTonesStarted ?? 0) + 1
      return start.apply(this, args)
    }
  })
  return () => page.evaluate(() => (window as unknown as ProbedWindow).__probeTonesStarted ?? 0)
}

const EVENT_PACKET = /^42(?:\/[^,]*,)?\d*(\[[\s\S]*\])$/

export interface SocketEventProbe {
  /** How many socket.io events named one of `names` reached the page so far. */
  received: (names: readonly string[]) => Promise<number>
}

/** Watches the socket.io events the page receives. Call before the page connects. */
export function watchSocketEvents(page: Page): SocketEventProbe {
  const counts = new Map<string, number>()
  const pending = new Set<Promise<void>>()
  const record = (packet: string) => {
    const m = EVENT_PACKET.exec(packet)
    if (!m) return
    let name: unknown
    try { name = (JSON.parse(m[1]!) as unknown[])[0] } catch { return }
    if (typeof name === 'string') counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/socket.io/')) return
    ws.on('framereceived', ({ payload }) => { record(typeof payload === 'string' ? payload : payload.toString('utf8')) })
  })
  page.on('response', (res) => {
    const url = res.url()
    if (!url.includes('/socket.io/') || !url.includes('transport=polling') || res.request().method() !== 'GET') return
    const read = res.text().then((body) => { for (const packet of body.split('\x1e')) record(packet) }, () => {})
    pending.add(read)
    void read.finally(() => pending.delete(read))
  })
  return {
    async received(names) {
      await Promise.all([...pending])
      return names.reduce((n, name) => n + (counts.get(name) ?? 0), 0)
    }
  }
}
