/**
 * `npm run bench:console -- [--devices N] [--screen devices|incident] [--root CHECKOUT]`: the operators' console through a
 * reconnect storm (issue 11, twelfth session). A district's network cut sends the console every
 * device offline and, a second later, online again — thousands of `device:status` events in a few
 * seconds, on the same browser main thread as the alarm queue.
 *
 * The embedded platform (in this process) with N homes provisioned through the REST API; the
 * console built with Vite (from `--root`'s dashboard/, default this checkout) and opened in Debian's
 * Chromium (playwright-core) on the devices screen, all N rows shown — or, with `--screen incident`,
 * on the workspace of a fall from the first home (the resident's card and the site's devices: what
 * an operator looks at while answering an alarm). Then the server tells every
 * device offline, and 1 s later online (`app.realtime.emitDeviceStatus`, the path the gateway's
 * presence takes). Measured in the page: long tasks (PerformanceObserver `longtask`: count, sum,
 * longest), the longest gap between animation frames (what an operator sees as a frozen screen),
 * and how long after the last status the screen showed every device online (the incident's site
 * device, with `--screen incident`).
 *
 * Prints a table and one JSON line. Needs Chromium (`apt-get install chromium`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { deviceTopic } from '@eldercare/protocols'
import { launchChromium, needsChromium, REPO_ROOT } from '../support/chromium.ts'
import { openConsole } from '../support/console.ts'
import { buildDashboardAt } from '../support/dashboard-build.ts'
import { connectDevice, type RawDevice } from '../support/devices.ts'
import { ADMIN, startTestPlatform } from '../support/platform.ts'
import { provisionFleet } from './alarms/provision.ts'

function fail (message: string): never {
  process.stderr.write(`bench:console: ${message}\n`)
  process.exit(2)
}

const { values } = parseArgs({ options: { devices: { type: 'string', default: '5000' }, screen: { type: 'string', default: 'devices' }, root: { type: 'string' }, help: { type: 'boolean', default: false } }, strict: true })
if (values.help) {
  process.stdout.write('usage: npm run bench:console -- [--devices N (100–10000, default 5000)] [--screen devices|incident (default devices)] [--root CHECKOUT (whose dashboard/ is built and measured)]\n')
  process.exit(0)
}
const n = Number(values.devices)
if (!Number.isInteger(n) || n < 100 || n > 10_000) fail(`--devices "${values.devices}" must be a whole number from 100 to 10000 (the devices list shows at most 10,000)`)
const screenName = values.screen
if (screenName !== 'devices' && screenName !== 'incident') fail(`--screen "${screenName}" must be devices or incident`)
const root = resolve(values.root ?? REPO_ROOT)
if (!existsSync(join(root, 'dashboard', 'package.json'))) fail(`--root ${root} has no dashboard/ to build`)
const chromium = needsChromium('bench:console')
if (!chromium.ok) fail(chromium.reason ?? 'Chromium is missing: apt-get install -y chromium')
const log = (line: string) => { process.stderr.write(`[bench:console] ${line}\n`) }

const outDir = mkdtempSync(join(tmpdir(), 'bench-console-'))
log(`building the console of ${root}`)
await buildDashboardAt(root, outDir)
const platform = await startTestPlatform({}, { dashboardDir: outDir })
const browser = await launchChromium()
/** the device whose fall opens the incident (`--screen incident`) */
let device: RawDevice | null = null
try {
  const provisionStart = performance.now()
  const fleet = await provisionFleet(platform.httpUrl, ADMIN, n)
  log(`provisioned ${n} homes in ${((performance.now() - provisionStart) / 1000).toFixed(1)} s`)
  const { rows } = await platform.db.query<{ id: string, path: string }>(
    "select d.id, a.path from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where d.id like 'bench-w-%' order by d.id")

  // the page scripts below are run as text, which the console's CSP forbids: bypassed
  const page = await openConsole(browser, platform.httpUrl, undefined, { bypassCSP: true })
  // how the page tells how many devices it shows online (the devices screen: its count, which
  // covers every page; the workspace: its site's device rows), and how many must be at the end
  let onlineScript: string
  /** the screen shows its devices (whatever their state) */
  let readyScript: string
  let want: number
  if (screenName === 'devices') {
    readyScript = `/\\D${n}\\D*$/.test(document.querySelector('[data-testid="devices-count"]')?.textContent ?? '')`
    await page.getByTestId('nav-devices').click()
    onlineScript = `(() => {
      const m = /(\\d+)\\D+(\\d+)/.exec(document.querySelector('[data-testid="devices-count"]')?.textContent ?? '')
      return m && Number(m[2]) === ${n} ? Number(m[1]) : -1
    })()`
    want = n
  } else {
    device = await connectDevice(platform.mqttUrl, fleet.devices[0]!)
    await device.client.publishAsync(deviceTopic(fleet.devices[0]!.id, 'events'), JSON.stringify({ id: 'bench-fall-1', ts: Date.now(), type: 'fall', confidence: 0.9 }), { qos: 1 })
    const incident = page.locator('[data-testid="incident-row"][data-status="open"]').first()
    await incident.waitFor({ timeout: 30_000 })
    await incident.click()
    readyScript = 'document.querySelectorAll(\'[data-testid="site-devices"] [data-testid="device-row"]\').length >= 1'
    onlineScript = `(() => {
      let online = 0
      for (const r of document.querySelectorAll('[data-testid="site-devices"] [data-testid="device-row"]')) if (r.dataset.online === 'true') online++
      return online
    })()`
    want = 1
  }
  await page.waitForFunction(readyScript, undefined, { timeout: 120_000, polling: 500 })
  log(`${screenName} screen shows its ${want} device(s); rows rendered: ${await page.locator('[data-testid="device-row"]:visible').count()}`)
  await sleep(1000)

  // in the page: long tasks and the gaps between animation frames, from now on (page scripts as
  // text: tsx would wrap named functions in a helper the page does not have)
  await page.evaluate(`(() => {
    window.benchLong = []
    window.benchMaxFrameGap = 0
    window.benchStop = false
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.benchLong.push(e.duration) }).observe({ type: 'longtask' })
    let last = performance.now()
    requestAnimationFrame(function frame (t) {
      window.benchMaxFrameGap = Math.max(window.benchMaxFrameGap, t - last)
      last = t
      if (!window.benchStop) requestAnimationFrame(frame)
    })
  })()`)
  const allOnline = () => page.evaluate<number>(onlineScript)

  const stormStart = performance.now()
  // the cut: every device offline; a second later every device back
  for (const r of rows) platform.app.realtime.emitDeviceStatus({ id: r.id, online: false, battery: 80, lastSeenAt: new Date().toISOString() }, r.path)
  await sleep(1000)
  for (const r of rows) platform.app.realtime.emitDeviceStatus({ id: r.id, online: true, battery: 80, lastSeenAt: new Date().toISOString() }, r.path)
  const lastSent = performance.now()
  // the server tells them a slice per turn: wait until it has told them all
  while (platform.app.realtime.statusesPending > 0) await sleep(5)
  const serverDoneMs = performance.now() - lastSent
  let shown = 0
  const deadline = performance.now() + 600_000
  while ((shown = await allOnline()) < want && performance.now() < deadline) await sleep(200)
  const caughtUpMs = performance.now() - lastSent
  const page1 = await page.evaluate<{ long: number[], maxFrameGap: number }>('(() => { window.benchStop = true; return { long: window.benchLong, maxFrameGap: window.benchMaxFrameGap } })()')
  const long = page1.long
  const result = {
    devices: n,
    screen: screenName,
    root: values.root ?? null,
    statusesSent: 2 * rows.length,
    serverToldAllMs: Math.round(serverDoneMs),
    screenCaughtUpMs: shown >= want ? Math.round(caughtUpMs) : null,
    stormMs: Math.round(performance.now() - stormStart),
    longTasks: long.length,
    longTaskSumMs: Math.round(long.reduce((a, b) => a + b, 0)),
    longestTaskMs: Math.round(Math.max(0, ...long)),
    maxFrameGapMs: Math.round(page1.maxFrameGap)
  }
  const table: Array<[string, string]> = [
    ['screen', screenName === 'devices' ? `devices (${want})` : 'an incident\'s workspace (its site\'s device)'],
    ['devices in the storm', String(n)],
    ['statuses sent (offline, then online)', String(result.statusesSent)],
    ['server told them all after the last', `${result.serverToldAllMs} ms`],
    ['screen showed all online after the last', result.screenCaughtUpMs === null ? `not within 600 s (${shown} of ${want})` : `${result.screenCaughtUpMs} ms`],
    ['long tasks in the page', `${result.longTasks} (${result.longTaskSumMs} ms in all)`],
    ['longest task', `${result.longestTaskMs} ms`],
    ['longest gap between frames', `${result.maxFrameGapMs} ms`]
  ]
  process.stdout.write(`\n${table.map(([k, v]) => `${k.padEnd(42)} ${v}`).join('\n')}\n\n${JSON.stringify(result)}\n`)
} finally {
  await device?.end()
  await browser.close().catch(() => {})
  await platform.close().catch(() => {})
  rmSync(outDir, { recursive: true, force: true })
}
process.exit(0)
