/**
 * When presence hands its changes to the store (pure scheduling; the statements themselves are
 * tested on PGlite and PostgreSQL in tests/alarm-lane/presence.test.ts and bookkeeping-heap.test.ts):
 * a storm's changes, one a turn, go in batches at least PRESENCE_CHANGE_WRITE_EVERY_MS apart; a
 * change after a quiet spell goes on the next turn.
 */
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { Presence, PRESENCE_CHANGE_WRITE_EVERY_MS } from '../src/presence.ts'
import type { GatewayStore, PresencePatch } from '../src/store.ts'

/** A store that records every batch it is handed and takes `writeMs` to write one (the embedded database's quick write). */
function recordingStore (writeMs: number) {
  const batches: Array<Map<string, PresencePatch>> = []
  const store = {
    async writePresence (patches: Map<string, PresencePatch>): Promise<void> {
      batches.push(new Map(patches))
      await sleep(writeMs)
    }
  } as unknown as GatewayStore
  return { store, batches }
}

const log = pino({ level: 'silent' })

describe('Presence: when changes are written', () => {
  it('[P-4.4] a storm\'s reconnects, one a turn, are written in batches at least PRESENCE_CHANGE_WRITE_EVERY_MS apart, every device\'s latest state once', async () => {
    const { store, batches } = recordingStore(1)
    const p = new Presence(store, log, () => {}, { flushIntervalMs: 3_600_000 })
    try {
      const ids = Array.from({ length: 400 }, (_, i) => `storm-${i}`)
      const started = performance.now()
      for (const id of ids) {
        p.mark(id, { online: true, lastSeenAt: new Date(1_000) })
        await immediate()
      }
      for (const id of ids.slice(0, 100)) {
        p.mark(id, { online: false, lastSeenAt: new Date(2_000) })
        await immediate()
      }
      const ms = performance.now() - started
      await p.flush()
      const written = new Map<string, PresencePatch>()
      for (const b of batches) for (const [id, patch] of b) written.set(id, { ...written.get(id), ...patch })
      expect(written.size).toBe(400)
      for (const id of ids) expect(written.get(id)?.online, id).toBe(!ids.slice(0, 100).includes(id))
      // one batch a turn before (a write here takes 1 ms, so ~each change its own batch); now at
      // most one per interval (and the flush's): the bound grows with the time taken, so a slow
      // machine does not fail it
      const bound = Math.ceil(ms / PRESENCE_CHANGE_WRITE_EVERY_MS) + 2
      expect(batches.length, `${batches.length} batches for 500 changes in ${ms.toFixed(0)} ms`).toBeLessThanOrEqual(bound)
      expect(p.stats.changeBatches).toBe(batches.length)
      expect(p.stats.changeDevices).toBe(batches.reduce((n, b) => n + b.size, 0))
      expect(p.stats.coarseBatches).toBe(0)
    } finally {
      await p.close()
    }
  })

  it('[P-4.4] a change after a quiet spell is handed to the store on the next turn, not held for the interval', async () => {
    const { store, batches } = recordingStore(1)
    const p = new Presence(store, log, () => {}, { flushIntervalMs: 3_600_000 })
    try {
      p.mark('quiet-1', { online: true, lastSeenAt: new Date(1_000) })
      await p.flush() // the first batch written
      expect(batches).toHaveLength(1)
      await sleep(PRESENCE_CHANGE_WRITE_EVERY_MS * 2)
      p.mark('quiet-1', { online: false, lastSeenAt: new Date(2_000) })
      let turns = 0
      while (batches.length < 2 && turns < 1_000) { await immediate(); turns++ }
      expect(batches).toHaveLength(2)
      expect(turns, `${turns} turns`).toBeLessThanOrEqual(3)
      expect(batches[1]!.get('quiet-1')).toMatchObject({ online: false })
    } finally {
      await p.close()
    }
  })
})
