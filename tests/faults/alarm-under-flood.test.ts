/**
 * Fault (issue 12, first finding): a wearable floods telemetry at 200 messages/s — ten times its
 * allowance — and sends a fall every second. Alarms have their own allowance and are never
 * refused because of telemetry [P-4.3]; and whatever happens, no fall is PUBACKed that was not
 * durably recorded [P-4.1]. The inbox is read once the process has stopped (PGlite).
 * Bounds: one process start (≤ 60 s); 8 s of flooding at 200 QoS 0 messages/s (≈ 1,600 messages
 * of ~70 bytes), 8 falls, ≤ 15 s for each PUBACK; the flood stops before the 60 s after which
 * the gateway may disconnect a flooding device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { deviceTopic } from '@eldercare/protocols'
import { makeTempDir } from '../support/process.ts'
import { device, fall, inboxOnPGlite, log, nodePorts, publishAcked, seedDevices, startNode, type Device, type NodeProcess } from './support.ts'

const FALLS = 8
const temp = makeTempDir('faults-flood')
let node: NodeProcess
let wearable: Device | undefined

beforeAll(async () => {
  node = await startNode({ dataDir: temp.dir }, await nodePorts())
})
afterAll(async () => {
  await wearable?.end()
  await node?.stop()
  temp.remove()
})

describe('fault: alarms under a telemetry flood', () => {
  it('[P-4.1][P-4.3] every fall of a device flooding telemetry is PUBACKed, and none is PUBACKed unless recorded', async () => {
    const { devices } = await seedDevices(node.api, 1, 'wearable')
    wearable = await device(node.mqttUrl, devices[0])
    const w = wearable
    let n = 0
    const flood = setInterval(() => {
      // 200 messages/s: one tick of 5 ms could be late, so send what the clock owes
      for (let i = 0; i < 2; i++) w.client.publish(deviceTopic(w.id, 'telemetry'), JSON.stringify({ id: `fl-${n++}`, ts: Date.now(), vitals: { hr: 70 } }), { qos: 0 })
    }, 10)
    const acked: string[] = []
    const notAcked: string[] = []
    try {
      await sleep(1000) // the burst allowance is spent
      for (let i = 0; i < FALLS; i++) {
        const id = `ff-${i}`
        const started = Date.now()
        if (await publishAcked(w.client, deviceTopic(w.id, 'events'), fall(id), 15_000)) {
          acked.push(id)
          log(`fall ${i} PUBACKed in ${Date.now() - started} ms under the flood`)
        } else {
          notAcked.push(id)
        }
        await sleep(Math.max(0, 1000 - (Date.now() - started)))
      }
    } finally {
      clearInterval(flood)
    }
    const rateLimited = w.errors.filter((e) => e.code === 'rate_limited').length
    log(`${n} telemetry messages sent; ${rateLimited} rate_limited answers; ${acked.length} of ${FALLS} falls PUBACKed`)
    await w.end()
    await node.stop()
    const recorded = new Set((await inboxOnPGlite(temp.dir, [w.id])).map((r) => r.msg_id))
    // [P-4.1] the invariant, whatever the allowance does: no PUBACK without the record
    expect(acked.filter((id) => !recorded.has(id)), 'falls PUBACKed but not recorded').toEqual([])
    // [P-4.3] alarms have their own allowance: none refused because of telemetry
    expect(notAcked, 'falls not PUBACKed').toEqual([])
    expect(recorded.size).toBe(FALLS)
  }, 120_000)
})
