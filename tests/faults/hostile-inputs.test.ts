/**
 * Fault: hostile inputs from an authenticated device, on the embedded process (PGlite, the
 * default store). Each is answered per the PUBACK table (docs/gateway.md, [P-2.3][P-2.3a]
 * [P-4.1]): recorded then PUBACKed, or answered on `errors` and PUBACKed because resending
 * cannot help — never a connection closed and a resend loop. The inbox is read once the
 * process has stopped (PGlite's files belong to one process at a time).
 * Bounds: one process start (≤ 60 s); the hostile messages plus a fast-check corpus of
 * 120 messages (≤ 16 KiB each) over 5 devices, sent one at a time, ≤ 10 s for each PUBACK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeUpstream, deviceTopic, type DeviceErrorMessage, type VitalsSeriesDto } from '@eldercare/protocols'
import { connectPacket } from '../support/devices.ts'
import { eventually } from '../support/platform.ts'
import { makeTempDir } from '../support/process.ts'
import { corpus } from './corpus.ts'
import { device, inboxOnPGlite, incidentsOf, log, nodePorts, publishAcked, rawSocket, seedDevices, startNode, type Device, type InboxRow, type NodeProcess } from './support.ts'

const temp = makeTempDir('faults-hostile')
let node: NodeProcess
const clients: Device[] = []
/** What the inbox must hold once the process has stopped: checked by the last test. */
const expectations: Array<{ what: string, deviceId: string, msgId: string, check: (row: InboxRow | undefined) => void }> = []
const YEAR_10000 = 253_402_300_800_000

beforeAll(async () => {
  node = await startNode({ dataDir: temp.dir }, await nodePorts())
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()))
  await node?.stop()
  temp.remove()
})

/** A fresh resident with one device of `type`, connected; its incidents are its own. */
async function freshDevice (type: 'fall_detector' | 'sos_button' | 'wearable' = 'fall_detector') {
  const { home, devices } = await seedDevices(node.api, 1, type)
  const d = await device(node.mqttUrl, devices[0])
  clients.push(d)
  return { home, d }
}

/** Publishes at QoS 1 and collects the answers on errors that arrive for it. */
async function send (d: Device, kind: string, text: string, wantAnswers = 0): Promise<{ acked: boolean, answers: DeviceErrorMessage[] }> {
  const before = d.errors.length
  const acked = await publishAcked(d.client, deviceTopic(d.id, kind as 'events'), text, 10_000)
  if (wantAnswers > 0) await eventually(async () => d.errors.length - before >= wantAnswers, 3000, 'an answer on errors').catch(() => {})
  return { acked, answers: d.errors.slice(before) }
}

/** [P-4.2] the device is still connected, never closed under it. */
function stillConnected (d: Device): void {
  expect(d.closes, 'connection closes').toBe(0)
  expect(d.client.connected).toBe(true)
}

describe('fault: hostile inputs [P-2.3][P-2.3a]', () => {
  it('[P-2.3a] a fall whose id holds a NUL is answered invalid_payload and PUBACKed; the device stays connected', async () => {
    const { d } = await freshDevice()
    const r = await send(d, 'events', `{"id":"nul-\\u0000-1","ts":${Date.now()},"type":"fall"}`, 1)
    expect(r.acked, 'PUBACK').toBe(true)
    expect(r.answers.map((a) => [a.code, a.ref])).toEqual([['invalid_payload', null]])
    expect(r.answers[0].message).toMatch(/events\.id/)
    stillConnected(d)
  })

  it('[P-2.3a] a fall whose id holds a lone UTF-16 surrogate is answered invalid_payload and PUBACKed', async () => {
    const { d } = await freshDevice()
    const r = await send(d, 'events', `{"id":"sur-\\ud800-1","ts":${Date.now()},"type":"fall"}`, 1)
    expect(r.acked, 'PUBACK').toBe(true)
    expect(r.answers.map((a) => a.code)).toEqual(['invalid_payload'])
    stillConnected(d)
  })

  it('[P-2.3a] a fall whose location holds a NUL is recorded without it, PUBACKed, and answered invalid_payload naming location', async () => {
    const { home, d } = await freshDevice()
    const r = await send(d, 'events', JSON.stringify({ id: 'loc-nul-1', ts: Date.now(), type: 'fall', location: 'bath\u0000room' }), 1)
    expect(r.acked, 'PUBACK').toBe(true)
    stillConnected(d)
    await eventually(async () => (await incidentsOf(node.api, home.residentId)).length === 1, 10_000, 'the fall opened an incident')
    expectations.push({ what: 'fall with NUL in location', deviceId: d.id, msgId: 'loc-nul-1', check: (row) => {
      expect(row).toBeDefined()
      expect(row!.payload).not.toHaveProperty('location')
    } })
    expect(r.answers.map((a) => [a.code, a.ref])).toEqual([['invalid_payload', 'loc-nul-1']])
    expect(r.answers[0].message).toMatch(/location/)
  })

  it('[P-2.3] a fall dated in the year 10000 is PUBACKed and opens an incident, recorded at the receive time marked clockSkew', async () => {
    const { home, d } = await freshDevice()
    const sentAt = Date.now()
    const r = await send(d, 'events', JSON.stringify({ id: 'y10k-1', ts: YEAR_10000, type: 'fall' }))
    expect(r.acked, 'PUBACK').toBe(true)
    stillConnected(d)
    await eventually(async () => (await incidentsOf(node.api, home.residentId)).length === 1, 10_000, 'the fall opened an incident')
    expectations.push({ what: 'fall in the year 10000', deviceId: d.id, msgId: 'y10k-1', check: (row) => {
      expect(row).toBeDefined()
      // recorded at the receive time: received_at is it; the device time no store holds is none
      // (null, not the receive time: a resend must meet the same idempotency key [P-2.4])
      expect(Math.abs(new Date(row!.received_at).getTime() - sentAt), 'received_at is the receive time').toBeLessThan(60_000)
      expect(row!.device_ts, 'no device time').toBeNull()
      expect(row!.clock_skew, 'clockSkew').toBe(true)
    } })
  })

  it('[P-2.3] an sos with ts -1 is PUBACKed and opens an incident, recorded at the receive time marked clockSkew', async () => {
    const { home, d } = await freshDevice('sos_button')
    const r = await send(d, 'events', JSON.stringify({ id: 'neg-1', ts: -1, type: 'sos' }))
    expect(r.acked, 'PUBACK').toBe(true)
    stillConnected(d)
    await eventually(async () => (await incidentsOf(node.api, home.residentId)).length === 1, 10_000, 'the sos opened an incident')
    expectations.push({ what: 'sos with ts -1', deviceId: d.id, msgId: 'neg-1', check: (row) => {
      expect(row).toBeDefined()
      expect(row!.device_ts, 'no device time').toBeNull()
      expect(row!.clock_skew, 'clockSkew').toBe(true)
    } })
  })

  it('[P-2.3] a telemetry batch with one sample in the year 10000 keeps the other samples, answered out_of_range naming the sample', async () => {
    const { home, d } = await freshDevice('wearable')
    const t = Math.floor(Date.now() / 1000) * 1000 - 60_000
    const samples = [{ ts: t, vitals: { hr: 70 } }, { ts: YEAR_10000, vitals: { hr: 71 } }, { ts: t + 1000, vitals: { hr: 72 } }]
    const r = await send(d, 'telemetry', JSON.stringify({ id: 'batch-1', samples }), 1)
    expect(r.acked, 'PUBACK').toBe(true)
    stillConnected(d)
    await eventually(async () => {
      const v = await node.api.get<VitalsSeriesDto>(`/api/residents/${home.residentId}/vitals?from=${t - 1000}&to=${t + 5000}&step=1s`)
      return v.series.hr?.length === 2
    }, 10_000, 'the two good samples stored')
    expect(r.answers.map((a) => [a.code, a.ref])).toEqual([['out_of_range', 'batch-1']])
    expect(r.answers[0].message).toMatch(/samples\[1\]/)
  })

  it('[P-1.4] keepalive 0 and 61 s are refused under MQTT 3.1.1; 60 s is accepted', async () => {
    const { home } = await seedDevices(node.api, 1)
    /** CONNACK return code, or 'closed' when the connection closed without one. */
    const connackFor = async (keepalive: number): Promise<number | 'closed'> => {
      const s = await rawSocket(node.mqttPort)
      s.socket.write(connectPacket(home.device, keepalive))
      await Promise.race([eventually(async () => Buffer.concat(s.received).length >= 4, 10_000, 'CONNACK').catch(() => {}), s.closed])
      const bytes = Buffer.concat(s.received)
      s.socket.destroy()
      if (bytes.length >= 4) return bytes[3] // CONNACK: 0x20 0x02 flags return-code
      if (s.isClosed()) return 'closed'
      throw new Error(`keepalive ${keepalive}: neither a CONNACK nor a close within 10 s`)
    }
    expect(await connackFor(60)).toBe(0)
    const zero = await connackFor(0)
    const over = await connackFor(61)
    log(`keepalive 0 → ${zero}, keepalive 61 → ${over}`)
    expect(zero, 'keepalive 0 refused').not.toBe(0)
    expect(over, 'keepalive 61 refused').not.toBe(0)
  })

  describe('a fast-check corpus over the protocol\'s schemas', () => {
    const messages = corpus(120)
    const outcomes: Array<{ i: number, kind: string, acked: boolean, answers: DeviceErrorMessage[], closed: boolean }> = []
    let devices: Device[] = []

    it('every message is PUBACKed, refusals are answered with their code, no connection is closed [P-4.2]', async () => {
      const { devices: creds } = await seedDevices(node.api, 5, 'wearable')
      devices = await Promise.all(creds.map((c) => device(node.mqttUrl, c)))
      clients.push(...devices)
      for (const [i, m] of messages.entries()) {
        const d = devices[i % devices.length]
        const verdict = decodeUpstream(m.kind, Buffer.from(m.text))
        const want = verdict.ok ? verdict.dropped.length : 1
        const closesBefore = d.closes
        const r = await send(d, m.kind, m.text, want)
        outcomes.push({ i, kind: m.kind, acked: r.acked, answers: r.answers, closed: d.closes > closesBefore })
        if (!verdict.ok && verdict.ref !== null && (m.kind === 'events' || m.kind === 'intercom')) {
          expectations.push({ what: `corpus #${i} (refused ${verdict.code})`, deviceId: d.id, msgId: verdict.ref, check: (row) => expect(row).toBeUndefined() })
        }
        if (verdict.ok && (m.kind === 'events' || m.kind === 'intercom')) {
          const id = (verdict.message as { id: string }).id
          expectations.push({ what: `corpus #${i} (accepted)`, deviceId: d.id, msgId: id, check: (row) => expect(row, `corpus #${i}: ${m.text.slice(0, 200)}`).toBeDefined() })
        }
        if (!r.acked || d.closes > closesBefore) break // the rest would only repeat the failure
      }
      const bad = outcomes.filter((o) => !o.acked || o.closed).map((o) => `#${o.i} ${o.kind}: ${o.acked ? '' : 'no PUBACK '}${o.closed ? 'closed' : ''} — ${messages[o.i].text.slice(0, 160)}`)
      expect(bad).toEqual([])
      expect(outcomes).toHaveLength(messages.length)
      const unanswered = outcomes.filter((o) => {
        const v = decodeUpstream(messages[o.i].kind, Buffer.from(messages[o.i].text))
        return !v.ok && !o.answers.some((a) => a.code === v.code)
      }).map((o) => `#${o.i}: ${messages[o.i].text.slice(0, 160)}`)
      expect(unanswered, 'refused without the answer').toEqual([])
      for (const d of devices) stillConnected(d)
      log(`corpus: ${outcomes.length} messages PUBACKed, ${outcomes.filter((o) => o.answers.length > 0).length} answered on errors`)
    }, 120_000)

    it('[P-2.3a] every field an alarm lost is named on errors', () => {
      expect(outcomes.length, 'the corpus ran').toBe(messages.length)
      const unnamed = outcomes.flatMap((o) => {
        const v = decodeUpstream(messages[o.i].kind, Buffer.from(messages[o.i].text))
        if (!v.ok) return []
        return v.dropped.filter((f) => f.field !== '*' && !o.answers.some((a) => a.message.includes(f.field.replace(/^"|"$/g, ''))))
          .map((f) => `#${o.i} ${f.field}: ${messages[o.i].text.slice(0, 160)}`)
      })
      expect(unnamed).toEqual([])
    })
  })

  it('[P-4.1] each alarm is in the inbox exactly where the table says (read after the process stops)', async () => {
    expect(expectations.length).toBeGreaterThan(0)
    await sleep(500) // the last writes are durable before their PUBACK; this only lets the engine settle
    await Promise.all(clients.map((c) => c.end()))
    await node.stop()
    const rows = await inboxOnPGlite(temp.dir, [...new Set(expectations.map((e) => e.deviceId))])
    const failures: string[] = []
    for (const e of expectations) {
      try {
        e.check(rows.find((r) => r.device_id === e.deviceId && r.msg_id === e.msgId))
      } catch (err) {
        failures.push(`${e.what}: ${(err as Error).message.split('\n')[0]}`)
      }
    }
    expect(failures).toEqual([])
  }, 60_000)
})
