/**
 * Debian's mosquitto_pub and mosquitto_sub, an MQTT implementation that is not ours, against
 * the gateway's ACL [P-2.5], hub relaying [P-1.5], rejections [P-3.7] and the will [P-4.4].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceTopic } from '@eldercare/protocols'
import { needsMosquittoClients, mosquittoPub, mosquittoSub } from '../support/mosquitto.ts'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const clients = needsMosquittoClients('mosquitto_pub/mosquitto_sub against the gateway')

describe.skipIf(!clients.ok)('Debian mosquitto clients against the protocol rules', () => {
  let p: TestPlatform
  let home: SeededHome
  let other: SeededHome

  beforeAll(async () => {
    p = await startTestPlatform()
    await p.api.login()
    home = await seedHome(p.api)
    other = await seedHome(p.api)
  })
  afterAll(async () => { await p?.close() })

  const as = (dev: { id: string, secret: string }) => ['-h', '127.0.0.1', '-p', String(p.ports.mqtt), '-i', dev.id, '-u', dev.id, '-P', dev.secret, '-V', 'mqttv311']
  const inbox = async (deviceId: string, msgId: string) => (await p.db.query('select 1 from inbox where device_id = $1 and msg_id = $2', [deviceId, msgId])).rows

  it('[P-2.5] refuses a wildcard subscription from mosquitto_sub', async () => {
    const sub = mosquittoSub([...as(home.device), '-q', '1', '-t', 'care/v1/devices/#', '-W', '3'])
    const r = await sub
    // SUBACK 0x80 for the only topic: mosquitto_sub gives up at once
    expect(r.timedOut).toBe(false)
    expect(r.stderr).toMatch(/All subscription requests were denied/)
    expect(r.messages).toEqual([])
  })

  it('[P-1.5][P-2.5][P-3.7] a hub in mosquitto_sub reads its child\'s errors; the child\'s mosquitto_pub is refused outside its topics and for bad payloads', async () => {
    const hubHome = await seedHome(p.api, { deviceType: 'hub' })
    const child = await p.api.post<{ id: string, secret: string }>('/api/devices', { type: 'sos_button', siteId: hubHome.siteId, parentId: hubHome.device.id })
    const errs = mosquittoSub([...as(hubHome.device), '-q', '1', '-t', deviceTopic(child.id, 'errors'), '-C', '2', '-W', '15'])
    await errs.subscribed
    const spoof = await mosquittoPub([...as(child), '-q', '1', '-t', deviceTopic(other.device.id, 'events'), '-m', JSON.stringify({ id: 'mq-spoof', ts: Date.now(), type: 'fall' })])
    expect(spoof.code, spoof.stderr).toBe(0) // acknowledged, not obeyed
    const bad = await mosquittoPub([...as(child), '-q', '1', '-t', deviceTopic(child.id, 'events'), '-m', JSON.stringify({ id: 'mq-bad', ts: Date.now(), type: 'cancel' })])
    expect(bad.code, bad.stderr).toBe(0)
    const r = await errs
    expect(r.code, r.stderr).toBe(0)
    const answers = r.messages.map((m) => JSON.parse(m))
    expect(answers.map((a) => [a.code, a.ref])).toEqual([['unauthorized_topic', null], ['invalid_payload', 'mq-bad']])
    expect(answers[1].message).toMatch(/ref is required/)
    expect(await inbox(other.device.id, 'mq-spoof')).toHaveLength(0)
    // and the hub relays the child's alarm with mosquitto_pub
    const relayed = await mosquittoPub([...as(hubHome.device), '-q', '1', '-t', deviceTopic(child.id, 'events'), '-m', JSON.stringify({ id: 'mq-sos', ts: Date.now(), type: 'sos' })])
    expect(relayed.code, relayed.stderr).toBe(0)
    expect(await inbox(child.id, 'mq-sos')).toHaveLength(1)
  })

  it('[P-3.4] a retained status from mosquitto_pub -r updates presence', async () => {
    const r = await mosquittoPub([...as(home.device), '-q', '1', '-r', '-t', deviceTopic(home.device.id, 'status'), '-m', JSON.stringify({ online: true, battery: 42, rssi: -80, fw: '3.1.0' })])
    expect(r.code, r.stderr).toBe(0)
    await eventually(async () => {
      const { rows } = await p.db.query<{ battery: number, fw: string }>('select battery, fw from devices where id = $1', [home.device.id])
      return rows[0].battery === 42 && rows[0].fw === '3.1.0'
    }, 5000, 'status written')
  })
})
