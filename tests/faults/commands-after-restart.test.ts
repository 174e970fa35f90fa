/**
 * Fault: the embedded process restarts while commands wait for offline devices [P-3.5][P-4.5].
 *
 * In the embedded default the broker's sessions — the subscriptions of a device that connected
 * with clean session = false, and the QoS 1 commands queued for it while it is away — live in the
 * process's memory. A restart (an update, a crash, a power cut of the server) empties them: a
 * command queued before it, and a command given after it to a device that has not come back
 * yet, have no session to wait in. The `commands` table still says `sent`, never delivered.
 *
 * What the product promises (docs/gateway.md, "Commands"): when the device is back and
 * subscribed, every command of its own that is neither delivered nor expired reaches it — once —
 * and its acknowledgement is recorded; none stays silently `sent`.
 *
 * Bounds: two process starts (≤ 60 s each), two devices, three commands, ≤ 20 s to deliver.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Command } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { makeTempDir } from '../support/process.ts'
import { eventually } from '../support/platform.ts'
import { nodePorts, seedDevices, startNode } from './support.ts'

const cleanup: Array<() => Promise<void>> = []
const temp = makeTempDir('faults-cmd-restart')
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  temp.remove()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface CommandView { id: string, status: string, deliveredAt: string | null, ackedAt: string | null }

describe('fault: the embedded process restarts with commands waiting for offline devices', () => {
  it('[P-4.5] a command queued before the restart, and one given before the device came back, each reach the device once and are acknowledged', async () => {
    const store = { dataDir: `${temp.dir}/data` }
    const ports = await nodePorts()
    const first = await startNode(store, ports)
    cleanup.push(() => first.stop())
    const { devices: [a, b, c] } = await seedDevices(first.api, 3)
    const url = first.mqttUrl
    const received = new Map<string, string[]>([[a!.id, []], [b!.id, []], [c!.id, []]])
    const open = async (cred: { id: string, secret: string }): Promise<SimDevice> => {
      const d = new SimDevice({ url, credentials: { ...cred, type: 'fall_detector' }, reconnectPeriodMs: 300 })
      d.onCommand((cmd: Command) => received.get(cred.id)!.push(cmd.id))
      await d.connect()
      cleanup.push(() => d.close())
      return d
    }

    // every device has a persistent session (clean = false) with its commands subscription, then goes away
    for (const d of await Promise.all([a!, b!, c!].map(open))) await d.close()

    // the positive control, in one process: a command queued for an offline device is delivered on its return
    const inProcess = await first.api.post<{ id: string }>(`/api/devices/${c!.id}/commands`, { type: 'speak', args: { text: 'queued, same process' } })
    const cBack = await open(c!)
    await eventually(async () => received.get(c!.id)!.includes(inProcess.id), 10_000, 'a command queued in the same process delivered on reconnect')
    await cBack.close()

    // queued in the session of a device that is away; then the process restarts
    const queued = await first.api.post<{ id: string }>(`/api/devices/${a!.id}/commands`, { type: 'speak', args: { text: 'queued before the restart' } })
    expect((await first.api.get<CommandView>(`/api/commands/${queued.id}`)).deliveredAt).toBeNull()
    await first.stop()

    const second = await startNode(store, ports)
    cleanup.push(() => second.stop())
    // given after the restart, to a device not back yet (no session in this process at all)
    const meanwhile = await second.api.post<{ id: string }>(`/api/devices/${b!.id}/commands`, { type: 'speak', args: { text: 'given before the device came back' } })

    await Promise.all([open(a!), open(b!)])
    await eventually(async () => {
      const [q, m] = await Promise.all([queued.id, meanwhile.id].map((id) => second.api.get<CommandView>(`/api/commands/${id}`)))
      return q!.status === 'acked' && m!.status === 'acked'
    }, 20_000, 'both commands delivered after the restart and acknowledged')
    // once each: a later look finds nothing more to deliver
    await sleep(3000)
    expect(received.get(a!.id)).toEqual([queued.id])
    expect(received.get(b!.id)).toEqual([meanwhile.id])
    expect(received.get(c!.id)).toEqual([inProcess.id])
    const q = await second.api.get<CommandView>(`/api/commands/${queued.id}`)
    expect(q.deliveredAt).not.toBeNull()
  }, 180_000)
})
