/**
 * Fault: kill -9 of the embedded process on PGlite while 60 QoS 1 falls are unacknowledged,
 * restarted on the same data directory: every fall exactly once [P-4.1][P-2.4]; then
 * killed again mid-stream (at the first PUBACK of 60 more) and restarted: all 120 exactly once.
 * Bounds: three process starts (≤ 60 s each), 2 × 60 falls of ~80 bytes, ≤ 30 s to PUBACK all after each restart.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../support/process.ts'
import { expectEachFallOnce, killNineScenario } from './kill9.ts'
import { inboxOnPGlite } from './support.ts'

const cleanup: Array<() => Promise<void>> = []
const temp = makeTempDir('faults-k9-lite')
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  temp.remove()
})

describe('fault: kill -9 on PGlite', () => {
  it('[P-4.1][P-2.4] every in-flight fall is recorded exactly once after a kill -9 (60 unacknowledged, then mid-stream) and a restart on the same data directory', async () => {
    const dataDir = `${temp.dir}/data`
    const { unackedAtKill, rows } = await killNineScenario({ dataDir }, async (node, ids) => {
      await node.stop() // PGlite's files belong to one process at a time
      return inboxOnPGlite(dataDir, ids)
    }, cleanup)
    expect(unackedAtKill).toBeGreaterThan(0)
    expectEachFallOnce(rows)
  }, 180_000)
})
