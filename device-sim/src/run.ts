/** `run`: plays every site of the credentials file (SitePlayer) in simulated time. */
import { SimClock } from './clock.ts'
import type { CredentialsFile } from './credentials.ts'
import { Rng } from './prng.ts'
import type { Stats } from './progress.ts'
import { inBatches } from './provision.ts'
import { SitePlayer, type RunRates } from './site-player.ts'

export interface RunOptions {
  creds: CredentialsFile
  url: string
  rates: RunRates
  speed: number
  /** simulated start, epoch ms */
  simStartMs: number
  seed: number
  /** play only the first N sites */
  sites?: number
  stats: Stats
  /** resolves when the run should end */
  until: (clock: SimClock) => Promise<void>
  onSend?: (topic: string, body: unknown) => void
}

export async function run (o: RunOptions): Promise<{ sites: number, devices: number }> {
  const clock = new SimClock(o.simStartMs, o.speed)
  const rng = new Rng(o.seed)
  const sites = o.creds.sites.slice(0, o.sites ?? o.creds.sites.length)
  const players = sites.map((site) => new SitePlayer({ url: o.url, site, clock, rates: o.rates, rng: rng.fork(site.key), stats: o.stats, onSend: o.onSend }))
  try {
    // connecting thousands of devices at once would look like a reconnect storm: a few sites at a time
    await inBatches(players.map((p) => () => p.start()), 20)
    await o.until(clock)
  } finally {
    await Promise.all(players.map((p) => p.stop()))
  }
  return { sites: players.length, devices: players.reduce((n, p) => n + p.devices.length, 0) }
}
