/**
 * The demo region a newcomer sees on first start: a district with two streets, a few
 * family care beds (家庭养老床位) and one institution, residents and their devices. The platform
 * seeds it and issues the devices' secrets; the simulated homes that play them over real MQTT
 * are device-sim's (`playDemoHomes`), handed in as a DemoPlayer by the composition root
 * (scripts/embedded-demo.mjs, what `npm start` runs) — the platform does not import device-sim.
 */
import { randomUUID } from 'node:crypto'
import { generateDeviceSecret, hashDeviceSecret } from '@eldercare/common'
import type { Db, Queryable } from './db/db.ts'

const DEMO_PREFIX = 'demo-'

/** One device's credentials as a simulator needs them. */
export interface DemoDevice { id: string, secret: string, type: string }
/** One resident's devices. */
export interface DemoHousehold { wearable?: DemoDevice, fallDetector?: DemoDevice }
/** One home's shared video intercom (issue 17), labelled with its residents' names. */
export interface DemoIntercom { device: DemoDevice, label: string }
/** What the demo player plays: every resident's devices, and every home's intercom. */
export interface DemoCast { households: DemoHousehold[], intercoms: DemoIntercom[] }
/** Plays the households and intercoms against the gateway at `mqttUrl`; resolves to a function that stops them. */
export type DemoPlayer = (opts: { mqttUrl: string } & DemoCast) => Promise<() => Promise<void>>

interface DemoHome { site: string, kind: 'home' | 'institution', community: number, residents: Array<{ name: string, birth: string, level: number, alone: boolean, conditions: string[] }> }

const STREETS = [{ name: '东城街道', community: '幸福里社区' }, { name: '西城街道', community: '长寿桥社区' }]
const HOMES: DemoHome[] = [
  { site: '幸福里 3 栋 201 室', kind: 'home', community: 0, residents: [{ name: '王秀英', birth: '1941-03-12', level: 2, alone: true, conditions: ['高血压', '骨质疏松'] }] },
  { site: '幸福里 7 栋 502 室', kind: 'home', community: 0, residents: [{ name: '李建国', birth: '1938-11-02', level: 1, alone: false, conditions: ['糖尿病'] }, { name: '张桂兰', birth: '1940-06-21', level: 1, alone: false, conditions: [] }] },
  { site: '长寿桥 12 号', kind: 'home', community: 1, residents: [{ name: '刘德明', birth: '1936-01-30', level: 3, alone: true, conditions: ['慢阻肺', '心衰'] }] },
  { site: '长寿桥 25 号 1 单元', kind: 'home', community: 1, residents: [{ name: '陈淑芬', birth: '1944-09-09', level: 0, alone: true, conditions: ['轻度认知障碍'] }] },
  { site: '西城区长寿桥日间照料中心', kind: 'institution', community: 1, residents: [{ name: '赵志强', birth: '1935-05-18', level: 4, alone: false, conditions: ['脑卒中后遗症'] }, { name: '孙玉珍', birth: '1939-12-01', level: 2, alone: false, conditions: ['帕金森病'] }] }
]

export async function hasDemoRegion (db: Queryable): Promise<boolean> {
  const { rows } = await db.query('select 1 from devices where id like $1 limit 1', [`${DEMO_PREFIX}%`])
  return rows.length > 0
}

/** Seeds the demo region under the root area (once). */
export async function seedDemo (db: Db, rootAreaId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ path: string }>('select path from areas where id = $1', [rootAreaId])
    const districtId = randomUUID()
    const districtPath = `${rows[0].path}${districtId}/`
    await tx.query(`insert into areas (id, name, level, parent_id, path) values ($1, '示范区', 'district', $2, $3)`, [districtId, rootAreaId, districtPath])
    const communityIds: string[] = []
    for (const s of STREETS) {
      const streetId = randomUUID()
      const communityId = randomUUID()
      await tx.query(`insert into areas (id, name, level, parent_id, path) values ($1, $2, 'street', $3, $4)`, [streetId, s.name, districtId, `${districtPath}${streetId}/`])
      await tx.query(`insert into areas (id, name, level, parent_id, path) values ($1, $2, 'community', $3, $4)`, [communityId, s.community, streetId, `${districtPath}${streetId}/${communityId}/`])
      communityIds.push(communityId)
    }
    let n = 0
    for (const h of HOMES) {
      const siteId = randomUUID()
      await tx.query(`insert into sites (id, name, kind, area_id, address, lat, lng) values ($1, $2, $3, $4, $2, $5, $6)`,
        [siteId, h.site, h.kind, communityIds[h.community], 32.99 + n * 0.002, 112.53 + n * 0.002])
      for (const r of h.residents) {
        const residentId = randomUUID()
        n++
        await tx.query(`insert into residents (id, name, site_id, birth_date, capacity_level, lives_alone, conditions, phone, contacts) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [residentId, r.name, siteId, r.birth, r.level, r.alone, JSON.stringify(r.conditions), `1380000${String(1000 + n)}`, JSON.stringify([{ name: '家属', phone: `1390000${String(2000 + n)}`, relation: '子女' }])])
        for (const type of ['wearable', 'fall_detector']) {
          await tx.query(`insert into devices (id, type, site_id, resident_id, secret_hash) values ($1, $2, $3, $4, $5)`,
            [`${DEMO_PREFIX}${type.replace('_', '')}-${n}`, type, siteId, residentId, hashDeviceSecret(generateDeviceSecret())])
        }
      }
    }
  })
}

/**
 * Gives the demo devices fresh secrets (only hashes are stored, so each start issues new
 * ones), one household per resident, for the demo player.
 */
export async function issueDemoCredentials (db: Db): Promise<DemoCast> {
  const { rows } = await db.query<{ id: string, type: string, resident_id: string }>("select id, type, resident_id from devices where id like $1 and type <> 'intercom' order by id", [`${DEMO_PREFIX}%`])
  const households = new Map<string, DemoHousehold>()
  for (const r of rows) {
    const secret = generateDeviceSecret()
    await db.query('update devices set secret_hash = $2 where id = $1', [r.id, hashDeviceSecret(secret)])
    const entry = households.get(r.resident_id) ?? {}
    entry[r.type === 'fall_detector' ? 'fallDetector' : 'wearable'] = { id: r.id, secret, type: r.type }
    households.set(r.resident_id, entry)
  }
  // every demo home gets a shared intercom (also in a demo region seeded before intercoms existed)
  const { rows: sites } = await db.query<{ site_id: string, names: string | null }>(
    `select d.site_id, (select string_agg(r.name, '、' order by r.name) from residents r where r.site_id = d.site_id) as names
       from devices d where d.id like $1 and d.type <> 'intercom' group by d.site_id order by d.site_id`, [`${DEMO_PREFIX}%`])
  const intercoms: DemoIntercom[] = []
  for (const [i, site] of sites.entries()) {
    const id = `${DEMO_PREFIX}intercom-${i + 1}`
    const secret = generateDeviceSecret()
    await db.query(`insert into devices (id, type, site_id, secret_hash) values ($1, 'intercom', $2, $3)
                    on conflict (id) do update set secret_hash = $3`, [id, site.site_id, hashDeviceSecret(secret)])
    intercoms.push({ device: { id, secret, type: 'intercom' }, label: site.names ?? id })
  }
  return { households: [...households.values()], intercoms }
}
