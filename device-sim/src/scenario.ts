/**
 * `scenario FILE`: a scripted timeline, in YAML or JSON, played deterministically:
 *
 *   seed: 7            # every random choice (confidence, room, `chance`) comes from it
 *   speed: 60          # simulated seconds per wall second (the CLI's --speed wins)
 *   ringSeconds: 30    # how long an intercom rings before the call is missed
 *   steps:
 *     - { at: "00:10", resident: R3, do: fall, location: bathroom }
 *     - { at: "00:12", resident: R3, do: call }          # nobody answers: call_missed
 *     - { at: "00:40", device: H0003-fall, do: offline }
 *
 * `at` is the simulated time since the start, HH:MM or HH:MM:SS. Steps run in order of `at`
 * (file order for equal times), each one finished (PUBACKed) before the next.
 */
import { DEVICE_TYPES, type DeviceErrorMessage, type UpstreamKind } from '@eldercare/protocols'
import { SimClock } from './clock.ts'
import { allDevices, type CredDevice, type CredentialsFile, type CredSite } from './credentials.ts'
import { Fields, loadStructured, parseStructured, type StructuredDoc } from './document.ts'
import { SimError } from './errors.ts'
import { Rng } from './prng.ts'
import { Stats } from './progress.ts'
import { SimDevice } from './sim-device.ts'
import { wanderPosition } from './movement.ts'

const round6 = (p: { lat: number, lng: number, acc: number }) => ({ lat: Math.round(p.lat * 1e6) / 1e6, lng: Math.round(p.lng * 1e6) / 1e6, acc: p.acc })

export const ACTIONS = ['fall', 'sos', 'cancel', 'call', 'bed_exit', 'smoke', 'gas', 'water_leak', 'wander', 'inactivity', 'door_open', 'tamper', 'test', 'low_battery', 'vitals', 'offline', 'online'] as const
export type Action = (typeof ACTIONS)[number]

/** Device types that perform an action for a resident or site, first match wins. */
const PERFORMER: Record<Action, readonly string[]> = {
  fall: ['fall_detector', 'wearable'],
  sos: ['sos_button', 'wearable'],
  cancel: ['fall_detector', 'sos_button', 'wearable'], // sent by the device of the alarm it cancels
  call: ['intercom'],
  bed_exit: ['bed_sensor'],
  smoke: ['smoke_detector'],
  gas: ['gas_detector'],
  water_leak: ['water_sensor'],
  wander: ['wearable'],
  inactivity: ['motion_sensor', 'wearable'],
  door_open: ['door_sensor', 'intercom'],
  tamper: ['fall_detector', 'wearable'],
  test: ['fall_detector', 'sos_button', 'wearable'],
  low_battery: ['wearable', 'sos_button', 'fall_detector'],
  vitals: ['wearable'],
  offline: ['wearable', 'fall_detector'],
  online: ['wearable', 'fall_detector']
}

export interface Step {
  line: number
  atMs: number
  do: Action
  resident: string | null
  site: string | null
  device: string | null
  location?: string
  confidence?: number
  chance: number
  vitals?: Record<string, number>
  battery?: number
}

export interface Scenario {
  file: string
  seed: number
  speed: number | null
  ringSeconds: number
  steps: Step[]
}

const TIME = /^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$/
const VITAL_KEYS = ['hr', 'spo2', 'rr', 'sbp', 'dbp', 'temp']

export function parseScenarioText (file: string, text: string): Scenario {
  return readScenario(parseStructured(file, text, 'SIM_ERR_SCENARIO'))
}

export function loadScenario (file: string): Scenario {
  return readScenario(loadStructured(file, 'SIM_ERR_SCENARIO'))
}

function readScenario (doc: StructuredDoc): Scenario {
  const f = new Fields(doc)
  const root = f.object(doc.data, [])
  f.allowOnly(root, [], ['seed', 'speed', 'ringSeconds', 'steps', 'description'])
  const seed = f.number(root, 'seed', [], { optional: true, integer: true, min: 0 }) ?? 1
  const speed = f.number(root, 'speed', [], { optional: true, min: 0.001 }) ?? null
  const ringSeconds = f.number(root, 'ringSeconds', [], { optional: true, min: 1 }) ?? 30
  const lastFallOrSos = new Set<string>()
  const steps = f.array(root.steps, ['steps']).map((raw, i): Step => {
    const p = ['steps', i]
    const s = f.object(raw, p)
    f.allowOnly(s, p, ['at', 'do', 'resident', 'site', 'device', 'location', 'confidence', 'chance', 'vitals', 'battery', 'note'])
    const at = f.string(s, 'at', p)!
    const m = TIME.exec(at)
    if (!m || Number(m[1]) > 99) throw doc.error([...p, 'at'], `"${at}" is not a time since the start (HH:MM or HH:MM:SS)`)
    const atMs = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000
    const action = f.string(s, 'do', p, { oneOf: ACTIONS }) as Action
    const resident = f.string(s, 'resident', p, { optional: true }) ?? null
    const site = f.string(s, 'site', p, { optional: true }) ?? null
    const device = f.string(s, 'device', p, { optional: true }) ?? null
    if (!resident && !site && !device) throw doc.error(p, 'a step names a resident, a site or a device')
    const who = resident ?? site ?? device!
    if (action === 'fall' || action === 'sos') lastFallOrSos.add(who)
    if (action === 'cancel' && !lastFallOrSos.has(who)) throw doc.error([...p, 'do'], `cancel needs an earlier fall or sos of ${who}`)
    let vitals: Record<string, number> | undefined
    if (s.vitals !== undefined) {
      const v = f.object(s.vitals, [...p, 'vitals'])
      f.allowOnly(v, [...p, 'vitals'], VITAL_KEYS)
      vitals = Object.fromEntries(VITAL_KEYS.filter((k) => v[k] !== undefined).map((k) => [k, f.number(v, k, [...p, 'vitals'])!]))
    }
    if (action === 'vitals' && !vitals) throw doc.error(p, 'do: vitals needs a vitals mapping, e.g. vitals: { hr: 135 }')
    return {
      line: doc.lineOf(p) ?? 0,
      atMs,
      do: action,
      resident,
      site,
      device,
      location: f.string(s, 'location', p, { optional: true }),
      confidence: f.number(s, 'confidence', p, { optional: true, min: 0, max: 1 }),
      chance: f.number(s, 'chance', p, { optional: true, min: 0, max: 1 }) ?? 1,
      vitals,
      battery: f.number(s, 'battery', p, { optional: true, min: 0, max: 100 })
    }
  })
  // a stable sort: equal times keep file order
  steps.sort((a, b) => a.atMs - b.atMs)
  return { file: doc.file, seed, speed, ringSeconds, steps }
}

/** Finds the device a step acts through; errors name the step's line. */
export function resolveStep (scenario: Scenario, creds: CredentialsFile, step: Step): { device: CredDevice, site: CredSite } {
  const all = allDevices(creds)
  const fail = (problem: string) => new SimError('SIM_ERR_SCENARIO', `${scenario.file}:${step.line}: ${problem}`)
  if (step.device) {
    const byName = all.find((d) => d.key === step.device || d.id === step.device)
    if (byName) return { device: byName, site: byName.site }
    if (!(DEVICE_TYPES as readonly string[]).includes(step.device)) throw fail(`device: no device ${step.device} in the credentials file`)
  }
  const types = step.device ? [step.device] : PERFORMER[step.do]
  let candidates: typeof all
  if (step.resident) {
    const site = creds.sites.find((s) => s.residents.some((r) => r.key === step.resident))
    if (!site) throw fail(`resident: no resident ${step.resident} in the credentials file`)
    candidates = site.devices.map((d) => ({ ...d, site })).filter((d) => d.resident === step.resident || d.resident === null)
    // a resident's own device first, then the site's shared ones
    candidates.sort((a, b) => Number(b.resident === step.resident) - Number(a.resident === step.resident))
  } else if (step.site) {
    const site = creds.sites.find((s) => s.key === step.site || s.id === step.site)
    if (!site) throw fail(`site: no site ${step.site} in the credentials file`)
    candidates = site.devices.map((d) => ({ ...d, site }))
  } else {
    candidates = all
  }
  for (const t of types) {
    const hit = candidates.find((d) => d.type === t)
    if (hit) return { device: hit, site: hit.site }
  }
  throw fail(`${step.resident ? `resident ${step.resident}` : `site ${step.site}`} has no device to ${step.do} (${types.join(' or ')})`)
}

export interface TraceEntry { topic: string, body: unknown }

export interface ScenarioRunOptions {
  /** simulated seconds per wall second; default the scenario's `speed`, else 60 */
  speed?: number
  /** part of every message id, unique per run ([P-2.4] ids must not repeat); default the start time in base 36 */
  runId?: string
  stats?: Stats
  onStep?: (step: Step, performed: boolean) => void
}

export interface ScenarioResult {
  performed: number
  skipped: number
  trace: TraceEntry[]
  refused: Array<{ deviceId: string, error: DeviceErrorMessage }>
  stats: Stats
}

/** Plays a scenario against the broker in the credentials file. */
export async function runScenario (scenario: Scenario, creds: CredentialsFile, opts: ScenarioRunOptions = {}): Promise<ScenarioResult> {
  const targets = scenario.steps.map((s) => resolveStep(scenario, creds, s)) // every reference checked before anything is sent
  const rng = new Rng(scenario.seed)
  const runId = opts.runId ?? Date.now().toString(36)
  const stats = opts.stats ?? new Stats()
  const trace: TraceEntry[] = []
  const refused: ScenarioResult['refused'] = []
  // one connection per direct device involved; a hub connects for its children [P-1.5]
  const sims = new Map<string, SimDevice>()
  const connectionFor = (device: CredDevice, site: CredSite): { sim: SimDevice, as: string } => {
    const direct = device.parent ? site.devices.find((d) => d.key === device.parent)! : device
    let sim = sims.get(direct.id)
    if (!sim) {
      sim = new SimDevice({
        url: creds.mqttUrl, credentials: { id: direct.id, secret: direct.secret, type: direct.type }, idPrefix: runId,
        children: site.devices.filter((c) => c.parent === direct.key).map((c) => c.id),
        onSend: (topic, body) => { stats.sent++; trace.push({ topic, body }) },
        onError: (e) => { stats.refuse(e.code); refused.push({ deviceId: direct.id, error: e }) }
      })
      sims.set(direct.id, sim)
    }
    return { sim, as: device.id }
  }
  const plan = targets.map((t) => ({ ...t, ...connectionFor(t.device, t.site) }))
  const clock = new SimClock(0, opts.speed ?? scenario.speed ?? 60)
  // consequences a step schedules (a missed call), kept in simulated-time order with the steps so a seed repeats exactly
  const followUps: Array<{ atMs: number, run: () => Promise<void> }> = []
  const waitUntil = async (atMs: number) => {
    const wait = clock.wallDelay(atMs - clock.elapsed())
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  const runFollowUps = async (untilMs: number) => {
    while (followUps.length > 0 && followUps[0].atMs <= untilMs) {
      const f = followUps.shift()!
      await waitUntil(f.atMs)
      await f.run()
    }
  }
  const lastAlarm = new Map<string, { sim: SimDevice, as: string, id: string }>()
  let performed = 0
  try {
    await Promise.all([...sims.values()].map(async (s) => { await s.connect(); stats.connected++; stats.connects++ }))
    for (const [i, step] of scenario.steps.entries()) {
      const { sim, as, device } = plan[i]
      await runFollowUps(step.atMs)
      await waitUntil(step.atMs)
      const srng = rng.fork(`step-${i}`)
      const go = srng.chance(step.chance)
      opts.onStep?.(step, go)
      if (!go) continue
      performed++
      const who = step.resident ?? step.site ?? step.device!
      const send = async (kind: UpstreamKind, body: Record<string, unknown>, retain = false) => {
        const msg = kind === 'status' ? body : { id: sim.nextId(kind[0]), ts: Date.now(), ...body }
        await sim.publishAs(as, kind, msg, 1, retain)
        stats.acked++
        return msg as { id: string }
      }
      const location = step.location ?? device.room ?? srng.pick(['bathroom', 'bedroom', 'kitchen', 'living_room'])
      const confidence = step.confidence ?? Math.round(srng.between(0.8, 0.99) * 100) / 100
      switch (step.do) {
        case 'fall': case 'sos': {
          const m = await send('events', { type: step.do, confidence, location })
          lastAlarm.set(who, { sim, as, id: m.id })
          break
        }
        case 'cancel': {
          const ref = lastAlarm.get(who)
          if (ref) await ref.sim.publishAs(ref.as, 'events', { id: ref.sim.nextId('e'), ts: Date.now(), type: 'cancel', ref: ref.id }, 1)
          break
        }
        case 'call': {
          const callId = `${runId}-c${i}`
          sim.activeCall = { callId, deviceId: as }
          await send('intercom', { type: 'call_request', callId })
          // nobody answers within ringSeconds: the panel reports the call missed
          followUps.push({
            atMs: step.atMs + scenario.ringSeconds * 1000,
            run: async () => {
              if (sim.activeCall?.callId === callId && !sim.activeCall.answered) {
                sim.activeCall = null
                await send('intercom', { type: 'call_missed', callId })
              }
            }
          })
          followUps.sort((a, b) => a.atMs - b.atMs)
          break
        }
        case 'vitals':
          await send('telemetry', { vitals: step.vitals! })
          break
        case 'wander': {
          // walks straight away from home (five 300 m steps: out of any default safe zone, issue 15),
          // reporting each position, then the wearable's own wander alarm from where it ended
          const home = { lat: 32.99 + srng.between(-0.01, 0.01), lng: 112.53 + srng.between(-0.01, 0.01) }
          const bearing = srng.between(0, 360)
          const samples = [1, 2, 3, 4, 5].map((k) => ({ ts: Date.now() - (5 - k) * 60_000, geo: round6(wanderPosition(home, k, bearing)) }))
          await send('telemetry', { samples })
          await send('events', { type: 'wander', confidence, geo: samples.at(-1)!.geo })
          break
        }
        case 'low_battery':
          await send('status', { online: true, ts: Date.now(), battery: step.battery ?? srng.int(5, 14) }, true)
          await send('events', { type: 'low_battery' })
          break
        case 'offline':
          if (as === sim.id) sim.offline()
          else await send('status', { online: false, ts: Date.now() }, true) // a hub reports its child gone
          break
        case 'online':
          if (as === sim.id) await sim.online()
          else await send('status', { online: true, ts: Date.now() }, true)
          break
        default:
          await send('events', { type: step.do, confidence, location })
      }
    }
    await runFollowUps(Infinity)
  } finally {
    await Promise.all([...sims.values()].map((s) => s.close().catch(() => {})))
    stats.connected = 0
  }
  return { performed, skipped: scenario.steps.length - performed, trace, refused, stats }
}

/** Trace lines with the run id replaced, so two runs of one seed compare equal. */
export function normaliseTrace (trace: TraceEntry[], runId: string): string[] {
  return trace.map((e) => JSON.stringify({ topic: e.topic, body: e.body }, (k, v) => (k === 'ts' ? 0 : typeof v === 'string' ? v.replaceAll(runId, 'RUN') : v)))
}

