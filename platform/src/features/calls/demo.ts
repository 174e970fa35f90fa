/**
 * The demo's video intercoms (issue 17): one per demo home, played by the simulated intercom
 * that really streams, so a newcomer sees and hears an elder from the console in both
 * directions — a care call from the resident card, and an elder who presses the call button
 * soon after start (then now and again). Needs Debian's ffmpeg for the picture; without it a
 * call is refused by the device with `media_failed`.
 */
import type { Logger } from 'pino'
import { generateDeviceSecret, hashDeviceSecret } from '@eldercare/gateway'
import { SimDevice, SimIntercom } from '@eldercare/device-sim'
import type { Db } from '../../db/db.ts'

export interface DemoIntercomOptions {
  /** Ids of the demo's devices start with this. */
  prefix: string
  /** When the first elder presses the call button, in ms after start. Default 45000. */
  firstCallAfterMs?: number
  /** Mean time between later calls, in ms. Default 40 min. */
  meanTimeBetweenCallsMs?: number
}

export async function runDemoIntercoms (db: Db, mqttUrl: string, log: Logger, opts: DemoIntercomOptions): Promise<() => Promise<void>> {
  // every demo home gets a shared intercom (added to a demo region seeded before intercoms existed)
  const { rows: sites } = await db.query<{ site_id: string, names: string }>(
    `select d.site_id, (select string_agg(r.name, '、' order by r.name) from residents r where r.site_id = d.site_id) as names
       from devices d where d.id like $1 group by d.site_id order by d.site_id`, [`${opts.prefix}%`])
  const intercoms: SimIntercom[] = []
  for (const [i, site] of sites.entries()) {
    const id = `${opts.prefix}intercom-${i + 1}`
    const secret = generateDeviceSecret()
    // only hashes are stored, so each start issues a fresh secret
    await db.query(`insert into devices (id, type, site_id, secret_hash) values ($1, 'intercom', $2, $3)
                    on conflict (id) do update set secret_hash = $3`, [id, site.site_id, hashDeviceSecret(secret)])
    const device = new SimDevice({ url: mqttUrl, credentials: { id, secret, type: 'intercom' } })
    await device.connect()
    intercoms.push(new SimIntercom(device, {
      label: site.names ?? id,
      onError: (err, callId) => log.warn({ err: err.message, deviceId: id, callId }, 'demo intercom call failed')
    }))
  }
  const timers: NodeJS.Timeout[] = []
  const callLater = (afterMs: number) => {
    timers.push(setTimeout(() => {
      const intercom = intercoms[Math.floor(Math.random() * intercoms.length)]
      intercom?.callCentre().catch((err) => log.warn({ err: err.message }, 'demo intercom call not placed'))
      callLater(-Math.log(1 - Math.random()) * (opts.meanTimeBetweenCallsMs ?? 40 * 60_000))
    }, afterMs))
  }
  if (intercoms.length) callLater(opts.firstCallAfterMs ?? 45_000)
  log.info({ intercoms: intercoms.length }, 'demo intercoms running')
  return async () => {
    for (const t of timers) clearTimeout(t)
    for (const intercom of intercoms) {
      await intercom.close()
      await intercom.device.close()
    }
  }
}
