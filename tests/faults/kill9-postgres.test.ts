/**
 * Fault: kill -9 of the embedded process on PostgreSQL while 60 QoS 1 falls are
 * unacknowledged, restarted on the same database: every fall exactly once [P-4.1][P-2.4]; then killed
 * again mid-stream (at the first PUBACK of 60 more) and restarted: all 120 exactly once.
 * Bounds: one private PostgreSQL 15 on loopback, three process starts (≤ 60 s each), 2 × 60 falls
 * of ~80 bytes, ≤ 30 s to PUBACK all after each restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../support/process.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { expectEachFallOnce, killNineScenario } from './kill9.ts'
import { inboxOnPostgres } from './support.ts'

const pgNeeded = needsPostgres()
const cleanup: Array<() => Promise<void>> = []
const temp = makeTempDir('faults-k9-pg')
let server: PostgresServer

beforeAll(async () => {
  if (pgNeeded.ok) server = await startPostgres()
})
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  await server?.stop()
  temp.remove()
})

describe.skipIf(!pgNeeded.ok)('fault: kill -9 on PostgreSQL', () => {
  it('[P-4.1][P-2.4] every in-flight fall is recorded exactly once after a kill -9 (60 unacknowledged, then mid-stream) and a restart on the same database', async () => {
    const databaseUrl = await server.createDatabase('faults_k9')
    const { unackedAtKill, rows } = await killNineScenario({ dataDir: temp.dir, databaseUrl }, (_node, ids) => inboxOnPostgres(databaseUrl, ids), cleanup)
    expect(unackedAtKill).toBeGreaterThan(0)
    expectEachFallOnce(rows)
  }, 180_000)
})
