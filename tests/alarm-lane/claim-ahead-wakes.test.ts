/**
 * The engine's claim queued behind the insert (platform/src/wiring.ts, issue 11) replaces the
 * wake that the commit's notice used to give on the embedded database. If a fall's insert were
 * ever handed over without a claim after it, the fall would wait for the engine's poll. With the
 * poll at an hour, 120 falls at random moments over 3 s — inserts grouped, posted while a pass runs,
 * between passes — must all reach the console.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SimDevice } from '@eldercare/device-sim'
import { seedFallingHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
const homes: SeededHome[] = []
const devices: SimDevice[] = []

beforeAll(async () => {
  p = await startTestPlatform({}, { app: { engine: { pollIntervalMs: 3_600_000 } } })
  await p.api.login()
  for (let i = 0; i < 120; i++) {
    const { home, device } = await seedFallingHome(p)
    homes.push(home)
    devices.push(device)
  }
}, 300_000)

afterAll(async () => {
  for (const d of devices) await d.close()
  await p?.close()
})

it('[issue 11] with the engine\'s poll at an hour, every fall sent at a random moment opens its incident', async () => {
  const socket = await p.api.connectedSocket()
  const seen = new Set<string>()
  socket.on('incident:opened', (i) => { if (i.deviceId) seen.add(i.deviceId) })
  try {
    await Promise.all(devices.map(async (d) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3000))
      await d.event('fall', { confidence: 0.9 })
    }))
    // generous: far below the hour-long poll
    await expect.poll(() => seen.size, { timeout: 10_000 }).toBe(homes.length)
  } finally {
    socket.close()
  }
}, 60_000)
