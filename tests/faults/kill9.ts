/**
 * The kill -9 scenario shared by the PGlite and PostgreSQL files: 60 QoS 1 falls from six
 * devices of one resident are in flight when the embedded process is SIGKILLed; the process is
 * started again on the same data and ports, the devices reconnect and resend what was not
 * PUBACKed, and every fall ends up recorded exactly once and counted once by the incident
 * engine [P-4.1][P-2.4].
 */
import { expect } from 'vitest'
import { deviceTopic } from '@eldercare/protocols'
import { eventually } from '../support/platform.ts'
import { device, fall, log, incidentsOf, nodePorts, seedDevices, startNode, type Device, type InboxRow, type NodeProcess, type NodeStore } from './support.ts'

export const FALLS = 60
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
  let firstAck!: () => void
  const gotFirstAck = new Promise<void>((resolve) => { firstAck = resolve })
  for (let i = 0; i < FALLS; i++) {
    const c = clients[i % DEVICES]
    const id = `k9-${String(i).padStart(2, '0')}`
    c.client.publish(deviceTopic(c.id, 'events'), fall(id), { qos: 1 }, (err) => {
      if (err) return
      acked.add(id)
      firstAck()
    })
  }
  // all 60 are unacknowledged until the first PUBACK: kill at that moment, mid-stream
  await gotFirstAck
  await first.kill9()
  const unackedAtKill = FALLS - acked.size
  log(`killed -9 with ${unackedAtKill} of ${FALLS} falls unacknowledged`)
  expect(unackedAtKill, 'falls still unacknowledged when the process died').toBeGreaterThan(0)

  const second = await startNode(store, ports)
  cleanup.push(() => second.stop())
  await eventually(async () => acked.size === FALLS, 30_000, `all ${FALLS} falls PUBACKed after the restart`)
  log('all falls PUBACKed after the restart')
  // counted once each by the incident engine: falls of one resident join one situation
  await eventually(async () => {
    const total = (await incidentsOf(second.api, home.residentId)).reduce((n, i) => n + i.alarmCount, 0)
    return total === FALLS
  }, 20_000, `${FALLS} alarms counted on the resident's incidents`)
  const incidents = await incidentsOf(second.api, home.residentId)
  expect(incidents.reduce((n, i) => n + i.alarmCount, 0)).toBe(FALLS)
  const rows = await readInbox(second, devices.map((d) => d.id))
  return { unackedAtKill, rows }
}

/** Every fall exactly once in the inbox, each processed by the engine. */
export function expectEachFallOnce (rows: InboxRow[]): void {
  const ids = rows.map((r) => r.msg_id).sort()
  expect(ids).toEqual(Array.from({ length: FALLS }, (_, i) => `k9-${String(i).padStart(2, '0')}`))
  expect(rows.filter((r) => r.processed_at === null).map((r) => r.msg_id)).toEqual([])
}
