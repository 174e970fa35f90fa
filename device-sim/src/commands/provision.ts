/** `device-sim provision`: register a generated region through the REST API; write the credentials file. */
import { writeCredentials } from '../credentials.ts'
import { Progress, Stats } from '../progress.ts'
import { PROVISION_DEFAULTS, provision as provisionRegion } from '../provision.ts'
import { COMMON_OPTIONS, MQTT_URL, admin, argError, credentialsPath, num, str, url, type Command } from './command.ts'

export const provision: Command = {
  help: `device-sim provision [--http URL] [--mqtt URL] [--username U] [--password P]
  [--homes 10] [--facilities 1] [--residents-per-facility 6] [--homes-per-community 50]
  [--prefix sim] [--seed 1] [--observer NAME] [-c FILE]
admin credentials: --username/--password, or DEVICE_SIM_USERNAME/DEVICE_SIM_PASSWORD (or ADMIN_USERNAME/ADMIN_PASSWORD)`,
  options: { ...COMMON_OPTIONS, http: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, homes: { type: 'string' }, facilities: { type: 'string' }, 'residents-per-facility': { type: 'string' }, 'homes-per-community': { type: 'string' }, prefix: { type: 'string' }, seed: { type: 'string' }, observer: { type: 'string' } },
  takesFile: false,

  async run (flags, _file, io) {
    const http = url('http', str(flags, 'http') ?? io.env.DEVICE_SIM_HTTP ?? 'http://127.0.0.1:8080', /^https?:$/)
    const mqtt = url('mqtt', str(flags, 'mqtt') ?? `mqtt://${new URL(http).hostname}:1883`, MQTT_URL)
    const prefix = str(flags, 'prefix') ?? PROVISION_DEFAULTS.prefix
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/.test(prefix)) throw argError(`--prefix: "${prefix}" must be 1–20 letters, digits, "_" or "-" (it starts every device id)`)
    const observer = str(flags, 'observer')
    if (observer !== undefined && !/^[A-Za-z0-9._-]{3,55}$/.test(observer)) throw argError(`--observer: "${observer}" must be 3–55 letters, digits, ".", "_" or "-"`)
    const opts = {
      homes: num(flags, 'homes', PROVISION_DEFAULTS.homes, { integer: true, min: 0, max: 100_000 }),
      facilities: num(flags, 'facilities', PROVISION_DEFAULTS.facilities, { integer: true, min: 0, max: 1000 }),
      residentsPerFacility: num(flags, 'residents-per-facility', PROVISION_DEFAULTS.residentsPerFacility, { integer: true, min: 1, max: 500 }),
      homesPerCommunity: num(flags, 'homes-per-community', PROVISION_DEFAULTS.homesPerCommunity, { integer: true, min: 1 }),
      prefix,
      seed: num(flags, 'seed', PROVISION_DEFAULTS.seed, { integer: true, min: 0 })
    }
    const out = credentialsPath(flags)
    const stats = new Stats()
    const progress = new Progress(stats, 'provision')
    try {
      const creds = await provisionRegion(opts, { httpUrl: http, mqttUrl: mqtt, ...admin(flags, io.env), observerName: observer, onSite: (n) => { stats.sent = n } })
      writeCredentials(out, creds)
      const devices = creds.sites.reduce((n, s) => n + s.devices.length, 0)
      const result = { file: out, sites: creds.sites.length, residents: creds.sites.reduce((n, s) => n + s.residents.length, 0), devices, areaId: creds.areaId, observer: creds.observer?.username ?? null }
      io.out.write(flags.json ? JSON.stringify(result) + '\n' : `provisioned ${result.sites} sites, ${result.residents} residents, ${devices} devices; credentials in ${out} (mode 0600)\n`)
      return 0
    } finally { progress.stop() }
  }
}
