/**
 * `device-sim provision` and `device-sim scenario` against the real embedded platform: a
 * scripted night produces exactly the incidents it implies, and the same seed sends the
 * same traffic.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncidentDto } from '@eldercare/protocols'
import { loadCredentials, normaliseTrace, parseScenarioText, runScenario, type CredentialsFile } from '@eldercare/device-sim'
import { distanceM, type ResidentPositionDto, type TrackDto } from '@eldercare/protocols'
import { ADMIN, eventually, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { cli, npxDeviceSim, tempDir } from './cli-helpers.ts'

let p: TestPlatform
let creds: CredentialsFile
const tmp = tempDir('scenario')
const credsFile = tmp.path('creds.json')

beforeAll(async () => {
  p = await startTestPlatform()
  await p.api.login()
})
afterAll(async () => {
  await p?.close()
  tmp.remove()
})

const trace = (file: string, runId: string) => normaliseTrace(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)), runId)

describe('device-sim provision and scenario', () => {
  it('provisions a region through the REST API and writes a 0600 credentials file (npx device-sim)', async () => {
    const r = await npxDeviceSim(['provision', '--http', p.httpUrl, '--mqtt', p.mqttUrl, '--homes', '3', '--facilities', '1', '--residents-per-facility', '2', '--prefix', 'sc', '--seed', '4', '-c', credsFile],
      { DEVICE_SIM_USERNAME: ADMIN.username, DEVICE_SIM_PASSWORD: ADMIN.password })
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/provisioned 4 sites/)
    expect(statSync(credsFile).mode & 0o777).toBe(0o600)
    creds = loadCredentials(credsFile)
    const hub = creds.sites[3].devices.find((d) => d.type === 'hub')!
    expect(creds.sites[3].devices.filter((d) => d.parent === hub.key).length).toBeGreaterThan(0)
    const { items } = await p.api.get<{ items: Array<{ id: string, parentId: string | null }> }>('/api/devices')
    expect(items.map((d) => d.id).sort()).toEqual(creds.sites.flatMap((s) => s.devices.map((d) => d.id)).sort())
  })

  it('plays a scripted night that opens exactly the incidents it implies', async () => {
    const h1 = creds.sites[0]
    const h2 = creds.sites[1]
    const facility = creds.sites[3]
    const fr = facility.residents[0]
    const r1 = h1.residents[0]
    const scenario = tmp.path('night.yaml')
    writeFileSync(scenario, `# a short night
seed: 11
speed: 600
ringSeconds: 20
steps:
  - { at: "00:00:10", resident: ${r1.key}, do: fall, location: bathroom }
  - { at: "00:00:40", resident: ${r1.key}, do: cancel }
  - { at: "00:01", site: ${h2.key}, do: call }          # nobody answers: call_missed
  - { at: "00:02", resident: ${fr.key}, do: sos }       # through the facility's hub [P-1.5]
  - { at: "00:03", resident: ${r1.key}, do: vitals, vitals: { hr: 128, spo2: 91 } }
  - { at: "00:04", resident: ${r1.key}, do: test, chance: 0.5 }
  - { at: "00:05", device: ${h2.devices.find((d) => d.type === 'fall_detector')!.key}, do: offline }
`)
    const r = await cli(['scenario', scenario, '-c', credsFile, '--run-id', 'runA', '--trace', tmp.path('a.ndjson'), '--json'])
    expect(r.code, r.err).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ steps: 7, refused: {} })

    const expected = [
      { type: 'fall', siteId: h1.id, residentId: r1.id },
      { type: 'call_request', siteId: h2.id, residentId: null },
      { type: 'sos', siteId: facility.id, residentId: fr.id }
    ]
    const list = async () => (await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=all')).items
    await eventually(async () => (await list()).length >= expected.length, 10_000, 'incidents of the scenario')
    await p.app.engine.drain()
    const incidents = await list()
    const shape = (i: { type: string, siteId: string, residentId: string | null }) => `${i.type}@${i.siteId}/${i.residentId}`
    expect(incidents.map(shape).sort()).toEqual(expected.map(shape).sort())

    // the cancel and the missed call are on the timelines, not new incidents [P-3.2][P-3.3]
    const fall = incidents.find((i) => i.type === 'fall')!
    const call = incidents.find((i) => i.type === 'call_request')!
    await eventually(async () => (await p.api.get(`/api/incidents/${fall.id}`)).timeline.some((t: { kind: string }) => t.kind === 'cancelled_at_device'), 5000, 'cancel on the fall timeline')
    await eventually(async () => (await p.api.get(`/api/incidents/${call.id}`)).timeline.some((t: { kind: string }) => t.kind === 'intercom_call_missed'), 5000, 'missed call on the timeline')
    // the device that went offline is offline (its will [P-1.4][P-4.4])
    const fd = h2.devices.find((d) => d.type === 'fall_detector')!
    await eventually(async () => (await p.api.get(`/api/devices/${fd.id}`)).online === false, 5000, 'device offline')
  })

  it('sends the same traffic for the same seed, and different traffic for another', async () => {
    const scenario = tmp.path('night.yaml')
    const again = await cli(['scenario', scenario, '-c', credsFile, '--run-id', 'runB', '--trace', tmp.path('b.ndjson')])
    expect(again.code, again.err).toBe(0)
    const other = await cli(['scenario', scenario, '-c', credsFile, '--run-id', 'runC', '--seed', '12', '--trace', tmp.path('c.ndjson')])
    expect(other.code, other.err).toBe(0)
    const a = trace(tmp.path('a.ndjson'), 'runA')
    expect(a.length).toBeGreaterThan(6)
    expect(trace(tmp.path('b.ndjson'), 'runB')).toEqual(a)
    expect(trace(tmp.path('c.ndjson'), 'runC')).not.toEqual(a)
  })

  it('names the file, line and field of a scenario mistake, and sends nothing', async () => {
    const bad = tmp.path('bad.yaml')
    writeFileSync(bad, 'seed: 1\nsteps:\n  - at: "00:10"\n    resident: R1\n    do: fall\n  - at: "25:99"\n    resident: R1\n    do: fall\n')
    const r = await cli(['scenario', bad, '-c', credsFile])
    expect(r.code).toBe(2)
    expect(r.err).toContain(`${bad}:6: steps[1].at: "25:99" is not a time`)
    const unknown = tmp.path('unknown.yaml')
    writeFileSync(unknown, 'steps:\n  - { at: "00:01", resident: R999, do: fall }\n')
    const u = await cli(['scenario', unknown, '-c', credsFile])
    expect(u.code).toBe(2)
    expect(u.err).toContain(`${unknown}:2: resident: no resident R999`)
  })

  it('a wander step walks the wearable out of the safe zone: five positions on the track, the last as the position, a wander incident there (issue 15)', async () => {
    const site = creds.sites.find((x) => x.devices.some((d) => d.type === 'wearable' && d.resident !== null))!
    const wearable = site.devices.find((d) => d.type === 'wearable' && d.resident !== null)!
    const resident = site.residents.find((r) => r.key === wearable.resident)!
    const scenario = parseScenarioText('wander.yaml', `seed: 5\nspeed: 600\nsteps:\n  - { at: "00:00:05", resident: ${resident.key}, do: wander }\n`)
    const played = await runScenario(scenario, creds, { runId: 'wander1' })
    expect(played.performed).toBe(1)
    const track = await eventually(async () => {
      const t = await p.api.get<TrackDto>(`/api/residents/${resident.id}/track?from=${Date.now() - 3600_000}`)
      return t.items.length >= 5 ? t : null
    }, 10_000, 'five positions on the track')
    const first = track.items[0]!
    const last = track.items.at(-1)!
    expect(distanceM(first, last)).toBeGreaterThan(1100) // four 300 m steps apart
    const pos = await p.api.get<ResidentPositionDto>(`/api/residents/${resident.id}/position`)
    expect(distanceM(pos, last)).toBeLessThan(1)
    // the wander alarm opened an incident, or joined the resident's open one: either way it is there now
    const incidentId = await eventually(async () => {
      const { rows } = await p.db.query<{ incident_id: string | null }>(`select incident_id from inbox where device_id = $1 and type = 'wander'`, [wearable.id])
      return rows[0]?.incident_id ?? null
    }, 10_000, 'the wander alarm applied')
    const incident = await p.api.get<IncidentDto>(`/api/incidents/${incidentId}`)
    expect(distanceM(incident.position!, last)).toBeLessThan(1)
  })
})

