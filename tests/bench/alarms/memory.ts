/**
 * What a device costs the embedded process in memory (issue 11, "Memory"): the platform runs in
 * this process (PGlite in its worker thread, files in a temp dir), the devices connect from a
 * load process, and process.memoryUsage() after a full GC is read at each step:
 *
 *   1. started, fleet registered (baseline)       2. N devices connected (connection + session + presence + caches)
 *   3. after T s of telemetry (rule state, owner cache, readings buffers)
 *
 *   npm run bench:alarms:memory -- [--devices 2000] [--seconds 10]
 *
 * (`node --expose-gc` is set by the npm script so the figures are after collection.)
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { loadConfig, startEmbedded } from '@eldercare/platform'
import { makeTempDir } from '../../support/process.ts'
import { provisionFleet } from './provision.ts'
import type { WorkerCommand, WorkerReply } from './protocol.ts'

const { values } = parseArgs({ options: { devices: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '10' } } })
const N = Number(values.devices)
const SECONDS = Number(values.seconds)
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(SECONDS) || SECONDS < 1) {
  process.stderr.write('usage: --devices N (≥ 1) --seconds S (≥ 1)\n')
  process.exit(2)
}
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) {
  process.stderr.write('run with node --expose-gc (npm run bench:alarms:memory does)\n')
  process.exit(2)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function settle (): Promise<NodeJS.MemoryUsage> {
  await sleep(3000)
  for (let i = 0; i < 3; i++) { gc!(); await sleep(200) }
  return process.memoryUsage()
}
const MiB = (b: number) => Math.round(b / 1048576 * 10) / 10
const perDevice = (a: NodeJS.MemoryUsage, b: NodeJS.MemoryUsage, k: keyof NodeJS.MemoryUsage) => Math.round((b[k] - a[k]) / N)

const data = makeTempDir('bench-memory')
const admin = { username: 'admin', password: 'bench-admin-pass-1' }
const node = await startEmbedded({
  config: loadConfig({ HTTP_PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0', HOST: '127.0.0.1', DATA_DIR: data.dir, DEMO: 'off', ADMIN_USERNAME: admin.username, ADMIN_PASSWORD: admin.password }),
  logger: pino({ level: 'warn' }),
  dashboardDir: '/nonexistent'
})
const child = fork(fileURLToPath(new URL('./load-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const ask = <T extends WorkerReply['type']>(cmd: WorkerCommand, answer: T) => new Promise<Extract<WorkerReply, { type: T }>>((resolve, reject) => {
  const on = (m: WorkerReply) => {
    if (m.type === 'error') { child.off('message', on); reject(new Error(m.message)) } else if (m.type === answer) { child.off('message', on); resolve(m as Extract<WorkerReply, { type: T }>) }
  }
  child.on('message', on)
  child.send(cmd)
})
try {
  const fleet = await provisionFleet(`http://127.0.0.1:${node.ports.http}`, admin, N)
  const m0 = await settle()
  const c = await ask({ type: 'connect', host: '127.0.0.1', port: node.ports.mqtt, devices: fleet.devices, width: 50, keepaliveS: 60 }, 'connected')
  const m1 = await settle()
  await ask({ type: 'run', tag: `m${Date.now().toString(36)}`, durationMs: SECONDS * 1000, telemetryPerDeviceHz: 1, telemetryQos: 1, alarms: [] }, 'ran')
  const m2 = await settle()
  const rows: Array<[string, string]> = [
    ['devices connected', String(c.connected)],
    ['baseline (registered, none connected)', `rss ${MiB(m0.rss)} MiB, heap ${MiB(m0.heapUsed)} MiB, external ${MiB(m0.external)} MiB`],
    ['connected', `rss ${MiB(m1.rss)} MiB, heap ${MiB(m1.heapUsed)} MiB, external ${MiB(m1.external)} MiB`],
    [`after ${SECONDS} s of telemetry`, `rss ${MiB(m2.rss)} MiB, heap ${MiB(m2.heapUsed)} MiB, external ${MiB(m2.external)} MiB`],
    ['per connected device', `heap ${perDevice(m0, m1, 'heapUsed')} B, rss ${perDevice(m0, m1, 'rss')} B`],
    ['per device, telemetry state', `heap ${perDevice(m1, m2, 'heapUsed')} B, rss ${perDevice(m1, m2, 'rss')} B`]
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n')
  process.stdout.write(JSON.stringify({
    devices: c.connected,
    baseline: { rssMiB: MiB(m0.rss), heapMiB: MiB(m0.heapUsed) },
    connected: { rssMiB: MiB(m1.rss), heapMiB: MiB(m1.heapUsed) },
    afterTelemetry: { rssMiB: MiB(m2.rss), heapMiB: MiB(m2.heapUsed) },
    perConnectionHeapB: perDevice(m0, m1, 'heapUsed'),
    perDeviceTelemetryHeapB: perDevice(m1, m2, 'heapUsed')
  }) + '\n')
} finally {
  child.send({ type: 'stop' } satisfies WorkerCommand)
  await sleep(500)
  child.kill('SIGKILL')
  await node.close()
  data.remove()
}
process.exit(0)
