/**
 * `device-sim run` against Debian's Mosquitto: the simulator speaks plain MQTT 3.1.1 and
 * does not depend on our broker. Mosquitto accepts any login here, so a credentials file
 * made by hand is enough; mosquitto_sub (an independent client) sees the traffic, and every
 * message it sees is valid under protocol v1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeUpstream, isUpstreamKind, parseDeviceTopic } from '@eldercare/protocols'
import { planRegion, writeCredentials } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsMosquitto, needsMosquittoClients, startMosquitto, type MosquittoServer } from '../support/mosquitto.ts'
import { npxDeviceSim, tempDir } from './cli-helpers.ts'

const deps = needsAll('device-sim run against Mosquitto', [needsMosquitto(), needsMosquittoClients()])

describe.skipIf(!deps.ok)('device-sim run against Mosquitto', () => {
  let broker: MosquittoServer
  const tmp = tempDir('mosquitto')
  beforeAll(async () => { broker = await startMosquitto() })
  afterAll(async () => { await broker?.stop(); tmp.remove() })

  it('plays homes and a facility hub; mosquitto_sub sees valid protocol v1 messages', async () => {
    const plan = planRegion({ homes: 2, facilities: 1, residentsPerFacility: 2, homesPerCommunity: 50, prefix: 'mq', seed: 9 })
    const file = tmp.path('creds.json')
    writeCredentials(file, {
      version: 1, mqttUrl: broker.url, httpUrl: null, areaId: null, observer: null,
      sites: plan.map((s, i) => ({ key: s.key, id: `site-${i}`, kind: s.kind, name: s.name, residents: s.residents.map((r) => ({ key: r.key, id: `res-${r.key}`, name: r.name })), devices: s.devices.map((d) => ({ ...d, secret: 'any' })) }))
    })
    const sub = broker.sub(['-t', 'care/v1/devices/#', '-v', '-W', '60'])
    await sub.subscribed
    // 40 simulated minutes at 1200× (2 s), a reading every simulated minute
    const r = await npxDeviceSim(['run', '-c', file, '--speed', '1200', '--duration', '40m', '--telemetry-interval', '60s', '--seed', '2', '--json'])
    sub.kill()
    const result = await sub
    expect(r.code, r.err).toBe(0)
    const summary = JSON.parse(r.out)
    expect(summary).toMatchObject({ sites: 3, errors: 0 })
    expect(summary.sent).toBeGreaterThan(20)

    const messages = result.messages.map((line) => { const sp = line.indexOf(' '); return { topic: line.slice(0, sp), payload: line.slice(sp + 1) } })
    const upstream = messages.filter((m) => { const t = parseDeviceTopic(m.topic); return t && isUpstreamKind(t.kind) })
    expect(upstream.length).toBeGreaterThan(20)
    for (const m of upstream) {
      const kind = parseDeviceTopic(m.topic)!.kind as Parameters<typeof decodeUpstream>[0]
      const decoded = decodeUpstream(kind, Buffer.from(m.payload))
      expect(decoded.ok, `${m.topic} ${m.payload}`).toBe(true)
    }
    const kinds = new Set(upstream.map((m) => parseDeviceTopic(m.topic)!.kind))
    expect(kinds).toContain('status')
    expect(kinds).toContain('telemetry')
    // the facility's hub publishes for its children [P-1.5]
    const child = plan[2].devices.find((d) => d.parent)!
    expect(upstream.some((m) => m.topic.startsWith(`care/v1/devices/${child.id}/`))).toBe(true)
  })
})
