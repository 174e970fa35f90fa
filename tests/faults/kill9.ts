/**
 * The kill -9 scenario shared by the PGlite and PostgreSQL files: the embedded process is
 * frozen (SIGSTOP), six devices of one resident publish 60 QoS 1 falls into its sockets, and it
 * is SIGKILLed with all 60 unacknowledged; it is started again on the same data and ports, the
 * devices reconnect and resend, and every fall ends up recorded exactly once and counted once
 * by the incident engine [P-4.1][P-2.4]. Then once more mid-stream: 60 more falls, SIGKILL at
 * the first PUBACK (some recorded but not yet acknowledged), a third start, and all 120 exactly
 * once.
 */
import { expect } from 'vitest'
import { deviceTopic } from '@eldercare/protocols'
import { eventually } from '../support/platform.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import { device, fall, log, publishUntilAcked, incidentsOf, nodePorts, seedDevices, startNode, type Device, type InboxRow, type NodeProcess, type NodeStore } from './support.ts'

export const FALLS = 60
/** two kills of 60 falls each */
const TOTAL = 2 * FALLS
const DEVICES = 6

export interface KillNineResult { unackedAtKill: number, rows: InboxRow[] }

/**
 * Runs the scenario on `store`; `readInbox` reads the devices' inbox rows after the second
 * process has counted every fall (it may stop the process first, as PGlite needs).
 */
export async function killNineScenario (store: NodeStore, readInbox: (node: NodeProcess, deviceIds: string[]) => Promise<InboxRow[]>, cleanup: Array<() => Promise<void>>): Promise<KillNineResult> {
  const ports = await nodePorts()
  const first = await startNode(store, ports)
  cleanup.push(() => first.stop())
  const { home, devices } = await seedDevices(first.api, DEVICES)
  // clean session = false [P-1.4]: MQTT.js keeps unacknowledged QoS 1 publishes and resends them on reconnect
  const clients: Device[] = await Promise.all(devices.map((d) => device(first.mqttUrl, d, { clean: false, reconnectPeriod: 250 })))
  cleanup.push(async () => { await Promise.all(clients.map((c) => c.end())) })

  const acked = new Set<string>()
  const id = (i: number): string => `k9-${String(i).padStart(3, '0')}`
  const publishFalls = (from: number, onAck: (id: string) => void = () => {}): void => {
    for (let i = from; i < from + FALLS; i++) {
      const c = clients[i % DEVICES]
      publishUntilAcked(c.client, deviceTopic(c.id, 'events'), fall(id(i)), () => { acked.add(id(i)); onAck(id(i)) })
    }
  }

  // 1. the process frozen (SIGSTOP), 60 falls sit unread in its sockets: all unacknowledged
  process.kill(first.proc.pid, 'SIGSTOP')
  publishFalls(0)
  await sleep(500)
  const unackedAtKill = FALLS - acked.size
  await first.kill9()
  log(`killed -9 with ${unackedAtKill} of ${FALLS} falls unacknowledged`)
  expect(unackedAtKill, 'falls unacknowledged when the process died').toBe(FALLS)

  const second = await startNode(store, ports)
  cleanup.push(() => second.stop())
  await eventually(async () => acked.size === FALLS, 30_000, `all ${FALLS} falls PUBACKed after the restart`)
  log('all falls PUBACKed after the restart')

  // 2. mid-stream: 60 more, killed at the first PUBACK, while the others are being recorded —
  // some recorded but not acknowledged, resent after the restart and answered `duplicate` [P-2.4]
  let killed = -1
  publishFalls(FALLS, () => {
    if (killed >= 0) return
    killed = FALLS - (acked.size - FALLS)
    process.kill(second.proc.pid, 'SIGKILL') // at once, in the PUBACK's own callback
  })
  await second.proc.exited
  log(`killed -9 mid-stream with about ${killed} of ${FALLS} falls unacknowledged`)
  const third = await startNode(store, ports)
  cleanup.push(() => third.stop())
  await eventually(async () => acked.size === TOTAL, 30_000, `all ${TOTAL} falls PUBACKed after the second restart`)

  // counted once each by the incident engine: falls of one resident join one situation
  await eventually(async () => {
    const total = (await incidentsOf(third.api, home.residentId)).reduce((n, i) => n + i.alarmCount, 0)
    return total === TOTAL
  }, 20_000, `${TOTAL} alarms counted on the resident's incidents`)
  const incidents = await incidentsOf(third.api, home.residentId)
  expect(incidents.reduce((n, i) => n + i.alarmCount, 0)).toBe(TOTAL)
  const rows = await readInbox(third, devices.map((d) => d.id))
  return { unackedAtKill, rows }
}

/** Every fall exactly once in the inbox, each processed by the engine. */
export function expectEachFallOnce (rows: InboxRow[]): void {
  const ids = rows.map((r) => r.msg_id).sort()
  expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => `k9-${String(i).padStart(3, '0')}`))
  expect(rows.filter((r) => r.processed_at === null).map((r) => r.msg_id)).toEqual([])
}
