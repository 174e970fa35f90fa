/**
 * The credentials file written by `provision` and read by `run`, `scenario`, `replay`,
 * `load` and `record`. It holds device secrets, so it is written with mode 0600.
 * Format (JSON, documented in docs/device-sim.md):
 *
 *   { "version": 1, "mqttUrl": "mqtt://…", "httpUrl": "http://…", "areaId": "…",
 *     "observer": { "username": "observer:…", "secret": "…" },          // optional
 *     "sites": [ { "key": "H0001", "id": "…", "kind": "home", "name": "…",
 *                  "residents": [ { "key": "R1", "id": "…", "name": "…" } ],
 *                  "devices": [ { "key": "H0001-fall", "id": "sim-h0001-fall", "secret": "…",
 *                                 "type": "fall_detector", "resident": "R1", "parent": null,
 *                                 "room": "bathroom" } ] } ] }
 */
import { chmodSync, writeFileSync } from 'node:fs'
import { DEVICE_ID_PATTERN, DEVICE_TYPES, type DeviceType } from '@eldercare/protocols'
import { Fields, loadStructured } from './document.ts'

export const CREDENTIALS_VERSION = 1

export interface CredDevice {
  /** stable name within the file, e.g. `H0001-fall` */
  key: string
  id: string
  secret: string
  type: DeviceType
  /** key of the resident who wears or uses it, if any */
  resident: string | null
  /** key of the hub that relays it [P-1.5], if any */
  parent: string | null
  room: string | null
}

export interface CredResident { key: string, id: string, name: string }

export interface CredSite {
  key: string
  id: string
  kind: 'home' | 'institution'
  name: string
  residents: CredResident[]
  devices: CredDevice[]
}

export interface CredentialsFile {
  version: number
  mqttUrl: string
  httpUrl: string | null
  areaId: string | null
  observer: { username: string, secret: string } | null
  sites: CredSite[]
}

export function writeCredentials (file: string, creds: CredentialsFile): void {
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 })
  chmodSync(file, 0o600) // writeFileSync keeps the mode of a file that already existed
}

const ROOMS = ['bedroom', 'bathroom', 'kitchen', 'living_room', 'hallway'] as const
export { ROOMS }

/** Reads and validates a credentials file; errors name the line and field. */
export function loadCredentials (file: string): CredentialsFile {
  const doc = loadStructured(file, 'SIM_ERR_CREDENTIALS')
  const f = new Fields(doc)
  const root = f.object(doc.data, [])
  const version = f.number(root, 'version', [], { integer: true })
  if (version !== CREDENTIALS_VERSION) throw doc.error(['version'], `this simulator reads version ${CREDENTIALS_VERSION}, got ${version}`)
  const mqttUrl = f.string(root, 'mqttUrl', [], { pattern: /^(mqtts?|wss?|tcp):\/\// })!
  const httpUrl = f.string(root, 'httpUrl', [], { optional: true, pattern: /^https?:\/\// }) ?? null
  const areaId = f.string(root, 'areaId', [], { optional: true }) ?? null
  let observer: CredentialsFile['observer'] = null
  if (root.observer != null) {
    const o = f.object(root.observer, ['observer'])
    observer = { username: f.string(o, 'username', ['observer'])!, secret: f.string(o, 'secret', ['observer'])! }
  }
  const seenDevice = new Set<string>()
  const seenResident = new Set<string>()
  const sites = f.array(root.sites, ['sites']).map((raw, i): CredSite => {
    const p = ['sites', i]
    const s = f.object(raw, p)
    const residents = f.array(s.residents ?? [], [...p, 'residents']).map((r, j): CredResident => {
      const rp = [...p, 'residents', j]
      const o = f.object(r, rp)
      const key = f.string(o, 'key', rp)!
      if (seenResident.has(key)) throw doc.error([...rp, 'key'], `resident key ${key} appears twice`)
      seenResident.add(key)
      return { key, id: f.string(o, 'id', rp)!, name: f.string(o, 'name', rp, { optional: true }) ?? key }
    })
    const devices = f.array(s.devices, [...p, 'devices']).map((d, j): CredDevice => {
      const dp = [...p, 'devices', j]
      const o = f.object(d, dp)
      const id = f.string(o, 'id', dp, { pattern: DEVICE_ID_PATTERN })!
      if (seenDevice.has(id)) throw doc.error([...dp, 'id'], `device ${id} appears twice`)
      seenDevice.add(id)
      const resident = f.string(o, 'resident', dp, { optional: true }) ?? null
      if (resident && !residents.some((r) => r.key === resident)) throw doc.error([...dp, 'resident'], `no resident ${resident} at site ${String(s.key)}`)
      return {
        key: f.string(o, 'key', dp, { optional: true }) ?? id,
        id,
        secret: f.string(o, 'secret', dp)!,
        type: f.string(o, 'type', dp, { oneOf: DEVICE_TYPES }) as DeviceType,
        resident,
        parent: f.string(o, 'parent', dp, { optional: true }) ?? null,
        room: f.string(o, 'room', dp, { optional: true }) ?? null
      }
    })
    return {
      key: f.string(s, 'key', p)!, id: f.string(s, 'id', p)!, name: f.string(s, 'name', p, { optional: true }) ?? String(s.key),
      kind: f.string(s, 'kind', p, { oneOf: ['home', 'institution'] }) as 'home' | 'institution',
      residents, devices
    }
  })
  for (const [i, site] of sites.entries()) {
    for (const [j, d] of site.devices.entries()) {
      if (d.parent && !site.devices.some((h) => h.key === d.parent && h.type === 'hub')) {
        throw doc.error(['sites', i, 'devices', j, 'parent'], `no hub ${d.parent} at site ${site.key}`)
      }
    }
  }
  return { version, mqttUrl, httpUrl, areaId, observer, sites }
}

/** Every device of the file, with its site. */
export function allDevices (creds: CredentialsFile): Array<CredDevice & { site: CredSite }> {
  return creds.sites.flatMap((site) => site.devices.map((d) => ({ ...d, site })))
}
