/**
 * Record → replay: a night recorded by an MQTT observer on one platform, replayed at 10×
 * into a fresh platform provisioned with the same plan, opens the same incidents; the replay
 * keeps each device's message order.
 */
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncidentDto } from '@eldercare/protocols'
import { Stats, loadCredentials, loadScenario, readRecording, record, replay, runScenario, type CredentialsFile } from '@eldercare/device-sim'
import { ADMIN, eventually, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { cli, tempDir } from './cli-helpers.ts'

const tmp = tempDir('replay')
let a: TestPlatform
let b: TestPlatform
let credsA: CredentialsFile
let credsB: CredentialsFile
const recording = tmp.path('night.ndjson')

const provisionInto = async (p: TestPlatform, file: string, observer?: string) => {
  const r = await cli(['provision', '--http', p.httpUrl, '--mqtt', p.mqttUrl, '--username', ADMIN.username, '--password', ADMIN.password,
    '--homes', '2', '--facilities', '1', '--residents-per-facility', '2', '--prefix', 'rr', '--seed', '5', '-c', file, ...(observer ? ['--observer', observer] : [])])
  expect(r.code, r.err).toBe(0)
  return loadCredentials(file)
}
const incidents = async (p: TestPlatform) => (await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=all')).items
const shapes = (list: IncidentDto[]) => list.map((i) => `${i.type}@${i.deviceId}`).sort()

beforeAll(async () => {
  a = await startTestPlatform()
  b = await startTestPlatform()
  await a.api.login()
  await b.api.login()
})
afterAll(async () => {
  await a?.close()
  await b?.close()
  tmp.remove()
})

describe('record and replay', () => {
  it('records a night as an observer, and a replay at 10× into a fresh platform opens the same incidents', async () => {
    credsA = await provisionInto(a, tmp.path('a.json'), 'night-recorder')
    expect(credsA.observer?.username).toBe('observer:night-recorder')
    const [h1, h2, f] = credsA.sites
    writeFileSync(tmp.path('night.yaml'), `seed: 3
speed: 300
ringSeconds: 30
steps:
  - { at: "00:00:05", resident: ${h1.residents[0].key}, do: vitals, vitals: { hr: 88, spo2: 95 } }
  - { at: "00:00:10", resident: ${h1.residents[0].key}, do: fall }
  - { at: "00:00:20", site: ${h2.key}, do: call }
  - { at: "00:00:30", resident: ${f.residents[1].key}, do: sos }
  - { at: "00:00:40", resident: ${h1.residents[0].key}, do: cancel }
  - { at: "00:01:00", site: ${h2.key}, do: smoke }
  - { at: "00:01:30", resident: ${f.residents[0].key}, do: vitals, vitals: { hr: 101, temp: 38.2 } }
`)
    const stats = new Stats()
    let stop!: () => void
    const stopped = new Promise<void>((resolve) => { stop = resolve })
    let subscribed!: () => void
    const ready = new Promise<void>((resolve) => { subscribed = resolve })
    const recorder = record({ url: credsA.mqttUrl, username: credsA.observer!.username, secret: credsA.observer!.secret, file: recording, stats, until: () => stopped, onSubscribed: subscribed })
    await ready
    const played = await runScenario(loadScenario(tmp.path('night.yaml')), credsA, { runId: 'rec1' })
    expect(played.refused).toEqual([])
    await eventually(async () => (await incidents(a)).length >= 4, 10_000, 'incidents on platform A')
    await eventually(async () => stats.received >= played.trace.length, 5000, 'every message recorded')
    stop()
    await recorder

    const items = await readRecording(recording)
    const sentTopics = played.trace.map((t) => t.topic)
    expect(items.filter((i) => !i.retain || !i.topic.endsWith('/status')).map((i) => i.topic)).toEqual(expect.arrayContaining(sentTopics))

    credsB = await provisionInto(b, tmp.path('b.json'))
    const r = await cli(['replay', recording, '-c', tmp.path('b.json'), '--speed', '10', '--json'])
    expect(r.code, r.err).toBe(0)
    const report = JSON.parse(r.out)
    expect(report).toMatchObject({ recorded: items.length, sent: items.length, failed: 0, unmapped: {}, refused: {} })
    await eventually(async () => (await incidents(b)).length >= 4, 10_000, 'incidents on platform B')
    await b.app.engine.drain()
    const inA = await incidents(a)
    expect(shapes(await incidents(b))).toEqual(shapes(inA))
    expect(shapes(inA)).toEqual(['call_request@rr-h0002-intercom', 'fall@rr-h0001-fall', 'smoke@rr-h0002-smoke', `sos@${f.devices.find((d) => d.type === 'sos_button' && d.resident === f.residents[1].key)!.id}`].sort())
  })

  it('keeps each device\'s order at 10×, and reports what it could not map', async () => {
    const items = await readRecording(recording)
    // a device nobody provisioned: its messages are reported, not sent
    const stranger = { ...items[0], topic: 'care/v1/devices/not-provisioned/telemetry', deviceId: 'not-provisioned', line: 999 }
    const report = await replay({ items: [...items, stranger], creds: credsB, speed: 10, idSuffix: '.r2', stats: new Stats(), settleMs: 300 })
    expect(report.unmapped).toEqual({ 'not-provisioned': 1 })
    expect(report.failed).toBe(0)
    const recordedOrder: Record<string, string[]> = {}
    for (const i of items) (recordedOrder[i.deviceId] ??= []).push(typeof (i.payload as any)?.id === 'string' ? (i.payload as any).id : `line ${i.line}`)
    expect(report.order).toEqual(recordedOrder)
    expect(Object.keys(report.order).length).toBeGreaterThan(3)
  })
})
