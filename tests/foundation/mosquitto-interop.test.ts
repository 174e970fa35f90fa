/**
 * Interop: Debian's own MQTT clients, not ours, against the gateway. A fall sent by
 * `mosquitto_pub -q 1` opens an incident; `mosquitto_sub` as the device receives `alarm.ack`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceTopic, type IncidentDto } from '@eldercare/protocols'
import { needsMosquittoClients, mosquittoPub, mosquittoSub } from '../support/mosquitto.ts'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const clients = needsMosquittoClients('mosquitto_pub/mosquitto_sub interop')

describe.skipIf(!clients.ok)('Debian mosquitto clients against the gateway', () => {
  let p: TestPlatform
  let home: SeededHome

  beforeAll(async () => {
    p = await startTestPlatform()
    await p.api.login()
    home = await seedHome(p.api)
  })
  afterAll(async () => { await p?.close() })

  const auth = () => ['-h', '127.0.0.1', '-p', String(p.ports.mqtt), '-i', home.device.id, '-u', home.device.id, '-P', home.device.secret, '-V', 'mqttv311']

  it('[P-4.1] a fall from mosquitto_pub -q 1 opens an incident', async () => {
    const fall = JSON.stringify({ id: 'mp-1', ts: Date.now(), type: 'fall' })
    const pub = await mosquittoPub([...auth(), '-q', '1', '-t', deviceTopic(home.device.id, 'events'), '-m', fall])
    expect(pub.code, pub.stderr).toBe(0)
    // mosquitto_pub exits after its PUBACK: the row is already durable.
    const { rows } = await p.db.query('select type from inbox where device_id = $1 and msg_id = $2', [home.device.id, 'mp-1'])
    expect(rows).toEqual([{ type: 'fall' }])
    const incident = await eventually(async () => {
      const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=open')
      return items.find((i) => i.deviceId === home.device.id)
    }, 2000, 'incident from mosquitto_pub')
    expect(incident).toMatchObject({ type: 'fall', priority: 'P1', residentId: home.residentId })
  })

  it('[P-1.2] mosquitto_pub with a wrong secret is refused', async () => {
    const args = auth()
    args[args.indexOf('-P') + 1] = 'wrong'
    const pub = await mosquittoPub([...args, '-q', '1', '-t', deviceTopic(home.device.id, 'events'), '-m', '{}'])
    expect(pub.code).not.toBe(0)
    expect(pub.stderr).toMatch(/not authori[sz]ed|bad user ?name or password|Connection Refused/i)
  })

  it('[P-3.5] mosquitto_sub as the device receives alarm.ack when the operator acknowledges', async () => {
    const sub = mosquittoSub([...auth(), '-q', '1', '-t', deviceTopic(home.device.id, 'commands'), '-C', '1', '-W', '10'])
    await sub.subscribed
    const { items } = await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=open')
    const incident = items.find((i) => i.deviceId === home.device.id)!
    await p.api.post(`/api/incidents/${incident.id}/acknowledge`, {})
    const result = await sub
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.messages[0])).toMatchObject({ type: 'alarm.ack', args: { incident: incident.id } })
  })
})
