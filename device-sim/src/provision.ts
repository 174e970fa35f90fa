/**
 * `provision`: plans a region (homes and facilities with residents and devices), registers
 * it through the platform's REST API as an administrator, and returns the credentials file.
 * The plan is a pure function of the options and the seed; device ids are derived from the
 * prefix, so provisioning the same plan into a fresh install gives the same device ids
 * (what `replay` relies on to map a recording onto new credentials).
 */
import type { DeviceType } from '@eldercare/protocols'
import { CREDENTIALS_VERSION, type CredDevice, type CredentialsFile, type CredSite } from './credentials.ts'
import { Rng } from './prng.ts'
import { RestClient } from './rest.ts'

export interface ProvisionOptions {
  /** Homes (family care beds). */
  homes: number
  /** Facilities (institutions), each with a hub relaying its residents' devices [P-1.5]. */
  facilities: number
  /** Residents per facility. */
  residentsPerFacility: number
  /** Homes per community area. */
  homesPerCommunity: number
  /** Prefix of every device id, e.g. `sim` → `sim-h0001-fall`. */
  prefix: string
  seed: number
}

export const PROVISION_DEFAULTS: ProvisionOptions = { homes: 10, facilities: 1, residentsPerFacility: 6, homesPerCommunity: 50, prefix: 'sim', seed: 1 }

const SHORT: Record<DeviceType, string> = {
  fall_detector: 'fall', sos_button: 'sos', wearable: 'band', bp_monitor: 'bp', bed_sensor: 'bed', motion_sensor: 'motion',
  smoke_detector: 'smoke', gas_detector: 'gas', water_sensor: 'water', door_sensor: 'door', intercom: 'intercom', hub: 'hub'
}

export interface PlannedSite extends Omit<CredSite, 'id' | 'residents' | 'devices'> {
  community: number
  residents: Array<{ key: string, name: string, birthDate: string, livesAlone: boolean }>
  devices: Array<Omit<CredDevice, 'secret'>>
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡']
const GIVEN = ['秀英', '桂兰', '建国', '德明', '淑芬', '玉珍', '志强', '凤英', '国华', '秀兰', '长林', '美华']

/** The region as a pure function of the options (no I/O). */
export function planRegion (opts: ProvisionOptions): PlannedSite[] {
  const rng = new Rng(opts.seed).fork('provision')
  const sites: PlannedSite[] = []
  let residentNo = 0
  const person = () => {
    residentNo++
    return {
      key: `R${residentNo}`,
      name: `${rng.pick(SURNAMES)}${rng.pick(GIVEN)}`,
      birthDate: `19${rng.int(30, 50)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
      livesAlone: false
    }
  }
  for (let h = 1; h <= opts.homes; h++) {
    const key = `H${String(h).padStart(4, '0')}`
    const residents = [person()]
    if (rng.chance(0.25)) residents.push(person())
    else residents[0].livesAlone = true
    const devices: PlannedSite['devices'] = []
    const add = (type: DeviceType, room: string | null, resident: string | null, suffix = '') => {
      const dkey = `${key}-${SHORT[type]}${suffix}`
      devices.push({ key: dkey, id: `${opts.prefix}-${dkey.toLowerCase()}`, type, resident, parent: null, room })
    }
    const r0 = residents[0].key
    add('fall_detector', 'bathroom', r0)
    add('bed_sensor', 'bedroom', r0)
    add('motion_sensor', 'living_room', null)
    add('smoke_detector', 'kitchen', null)
    add('intercom', 'hallway', null)
    if (rng.chance(0.5)) add('gas_detector', 'kitchen', null)
    if (rng.chance(0.4)) add('water_sensor', 'bathroom', null)
    residents.forEach((r, i) => {
      const suffix = i === 0 ? '' : String(i + 1)
      add('wearable', null, r.key, suffix)
      add('sos_button', null, r.key, suffix)
      if (rng.chance(0.6)) add('bp_monitor', 'bedroom', r.key, suffix)
    })
    sites.push({ key, kind: 'home', name: `模拟家庭 ${key}`, community: Math.floor((h - 1) / opts.homesPerCommunity), residents, devices })
  }
  const communities = Math.max(1, Math.ceil(opts.homes / opts.homesPerCommunity))
  for (let f = 1; f <= opts.facilities; f++) {
    const key = `F${String(f).padStart(2, '0')}`
    const hubKey = `${key}-hub`
    const devices: PlannedSite['devices'] = [
      { key: hubKey, id: `${opts.prefix}-${hubKey.toLowerCase()}`, type: 'hub', resident: null, parent: null, room: 'office' },
      { key: `${key}-intercom`, id: `${opts.prefix}-${key.toLowerCase()}-intercom`, type: 'intercom', resident: null, parent: null, room: 'hall' },
      { key: `${key}-smoke`, id: `${opts.prefix}-${key.toLowerCase()}-smoke`, type: 'smoke_detector', resident: null, parent: hubKey, room: 'kitchen' }
    ]
    const residents = Array.from({ length: opts.residentsPerFacility }, person)
    residents.forEach((r, i) => {
      for (const type of ['bed_sensor', 'sos_button', 'wearable'] as const) {
        const dkey = `${key}-${r.key}-${SHORT[type]}`
        devices.push({ key: dkey, id: `${opts.prefix}-${dkey.toLowerCase()}`, type, resident: r.key, parent: hubKey, room: `room-${101 + i}` })
      }
    })
    sites.push({ key, kind: 'institution', name: `模拟养老机构 ${key}`, community: (f - 1) % communities, residents, devices })
  }
  return sites
}

export interface ProvisionTarget {
  httpUrl: string
  mqttUrl: string
  username: string
  password: string
  /** create an observer account for the region (its secret goes into the file) */
  observerName?: string
  /** called after each site, for progress */
  onSite?: (done: number, total: number) => void
}

/** Registers the planned region through the REST API and returns the credentials. */
export async function provision (opts: ProvisionOptions, target: ProvisionTarget): Promise<CredentialsFile> {
  const api = new RestClient(target.httpUrl)
  await api.login(target.username, target.password)
  const plan = planRegion(opts)
  const areas = await api.get<{ items: Array<{ id: string, level: string, depth: number }> }>('/api/areas')
  const top = areas.items.find((a) => a.depth === 0)
  if (!top) throw new Error('the administrator sees no area')
  // the region hangs under the administrator's top area: a district (or street) of its own
  const levels = ['city', 'district', 'street', 'community']
  let parentId = top.id
  for (const level of levels.slice(levels.indexOf(top.level) + 1, -1)) {
    parentId = (await api.post<{ id: string }>('/api/areas', { name: `模拟${level === 'district' ? '区' : '街道'} ${opts.prefix}`, level, parentId })).id
  }
  const regionId = parentId
  const communityIds: string[] = []
  const communities = Math.max(1, ...plan.map((s) => s.community + 1))
  for (let c = 0; c < communities; c++) {
    communityIds.push((await api.post<{ id: string }>('/api/areas', { name: `模拟社区 ${opts.prefix}-${c + 1}`, level: 'community', parentId: regionId })).id)
  }

  const sites: CredSite[] = new Array(plan.length)
  let done = 0
  // a few sites at a time: the platform answers each request quickly, round trips dominate
  await inBatches(plan.map((p, i) => async () => {
    const site = await api.post<{ id: string }>('/api/sites', { name: p.name, kind: p.kind, areaId: communityIds[p.community], address: `${p.name} 模拟路 ${i + 1} 号` })
    const residents = []
    for (const r of p.residents) {
      const created = await api.post<{ id: string }>('/api/residents', { name: r.name, siteId: site.id, birthDate: r.birthDate, livesAlone: r.livesAlone })
      residents.push({ key: r.key, id: created.id, name: r.name })
    }
    const devices: CredDevice[] = []
    // hubs first: children name their hub as parentId
    for (const d of [...p.devices].sort((a, b) => Number(b.type === 'hub') - Number(a.type === 'hub'))) {
      const parent = d.parent ? devices.find((x) => x.key === d.parent)!.id : undefined
      const residentId = d.resident ? residents.find((r) => r.key === d.resident)!.id : undefined
      const created = await api.post<{ id: string, secret: string }>('/api/devices', { id: d.id, type: d.type, siteId: site.id, residentId, parentId: parent })
      devices.push({ ...d, id: created.id, secret: created.secret })
    }
    sites[i] = { key: p.key, id: site.id, kind: p.kind, name: p.name, residents, devices }
    target.onSite?.(++done, plan.length)
  }), 8)

  let observer: CredentialsFile['observer'] = null
  if (target.observerName) {
    const o = await api.post<{ mqttUsername: string, secret: string }>('/api/observers', { username: target.observerName, areaId: regionId })
    observer = { username: o.mqttUsername, secret: o.secret }
  }
  return { version: CREDENTIALS_VERSION, mqttUrl: target.mqttUrl, httpUrl: target.httpUrl, areaId: regionId, observer, sites }
}

/** Runs tasks with at most `width` in flight; rejects with the first failure. */
export async function inBatches (tasks: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]()
  }
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker))
}
