/**
 * An operator's shift in a real browser (Debian's Chromium via playwright-core) against the real
 * embedded platform and real devices over MQTT (device-sim): sign in, take a fall from arrival to
 * resolution in the incident workspace, while an operator of another area sees nothing of it;
 * then the devices, residents and admin screens, the language switch, and the queue holding
 * 1,000 active incidents. Screenshots of each screen go to test-output/e2e-shift/.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { compatibleAlarms, defaultPriority, EVENT_TYPES, NON_ALARM_EVENT_TYPES, SITE_LEVEL_ALARM_TYPES, type Command, type EventType } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { launchChromium, needsChromium, testOutputDir } from '../support/chromium.ts'
import { watchAlarmTones, watchSocketEvents, type SocketEventProbe } from '../support/console-probes.ts'
import { buildDashboard } from '../support/dashboard-build.ts'
import { ADMIN, eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const browserReq = needsChromium('operator console end-to-end (shift)')

const OPERATOR = { username: 'op-shift', password: 'operator-pass-1' }
const OTHER_OPERATOR = { username: 'op-elsewhere', password: 'operator-pass-2' }
/**
 * Alarm types a device can publish ([P-3.2]) that never join one another's incident (correlation
 * groups, site-level alarms: protocols/src/priority.ts), least urgent first so that the load does
 * not set off a storm of P1 escalations: each is a separate open incident for one resident.
 */
const LOAD_TYPES: EventType[] = (EVENT_TYPES.filter((t) => !NON_ALARM_EVENT_TYPES.has(t) && !SITE_LEVEL_ALARM_TYPES.has(t)) as EventType[])
  .sort((a, b) => defaultPriority(b).localeCompare(defaultPriority(a)))
  .reduce<EventType[]>((kept, t) => (kept.some((k) => compatibleAlarms(k, t)) ? kept : [...kept, t]), [])
const LOAD_INCIDENTS = 1000

async function signIn (page: Page, baseUrl: string, user: { username: string, password: string }): Promise<void> {
  await page.goto(baseUrl)
  await page.getByTestId('login-username').fill(user.username)
  await page.getByTestId('login-password').fill(user.password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('current-user').waitFor({ timeout: 10_000 })
}

describe.skipIf(!browserReq.ok)('operator console: a shift in a real browser', () => {
  let p: TestPlatform
  let browser: Browser
  let page: Page
  let otherContext: BrowserContext
  let otherPage: Page
  let tonesStarted: () => Promise<number>
  let socketEvents: SocketEventProbe
  let otherSocketEvents: SocketEventProbe
  let home: SeededHome
  let device: SimDevice
  let door: SimDevice
  let intercom: SimDevice
  let doorId: string
  let incidentId: string
  let responderId: string
  const loadDevices: SimDevice[] = []
  const shots = testOutputDir('e2e-shift')

  beforeAll(async () => {
    const dashboardDir = await buildDashboard()
    p = await startTestPlatform({}, { dashboardDir })
    await p.api.login()
    home = await seedHome(p.api, { name: 'shift' })
    const doorReg = await p.api.post('/api/devices', { type: 'door_sensor', siteId: home.siteId })
    doorId = doorReg.id
    const areas = await p.api.get<{ items: Array<{ id: string, level: string }> }>('/api/areas')
    const city = areas.items.find((a) => a.level === 'city')!
    const elsewhere = await p.api.post('/api/areas', { name: '别的区', level: 'district', parentId: city.id })
    await p.api.post('/api/users', { ...OPERATOR, role: 'operator', areaId: home.districtId, displayName: '值班员小李' })
    const responder = await p.api.post('/api/responders', { name: '张护理', kind: 'care_worker', areaId: home.communityId, phone: '13900001111', onDuty: true })
    responderId = responder.id
    const intercomReg = await p.api.post('/api/devices', { type: 'intercom', siteId: home.siteId, residentId: home.residentId })
    await p.api.post('/api/users', { ...OTHER_OPERATOR, role: 'operator', areaId: elsewhere.id })

    device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'fall_detector' } })
    door = new SimDevice({ url: p.mqttUrl, credentials: { id: doorId, secret: doorReg.secret, type: 'door_sensor' } })
    intercom = new SimDevice({ url: p.mqttUrl, credentials: { id: intercomReg.id, secret: intercomReg.secret, type: 'intercom' } })
    await Promise.all([device.connect(), door.connect(), intercom.connect()])
    browser = await launchChromium()
    page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
    otherContext = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } })
    otherPage = await otherContext.newPage()
    tonesStarted = await watchAlarmTones(page)
    socketEvents = watchSocketEvents(page)
    otherSocketEvents = watchSocketEvents(otherPage)
  })

  afterAll(async () => {
    await otherContext?.close()
    await browser?.close()
    await Promise.all([device, door, intercom, ...loadDevices].map((d) => d?.close()))
    await p?.close()
  })

  it('an operator signs in and sees only the screens their role allows', async () => {
    await signIn(page, p.httpUrl, OPERATOR)
    await page.getByTestId('queue-empty').waitFor({ timeout: 10_000 })
    expect(await page.locator('html').getAttribute('lang')).toMatch(/^zh/)
    for (const screen of ['queue', 'devices', 'residents']) expect(await page.getByTestId(`nav-${screen}`).count()).toBe(1)
    expect(await page.getByTestId('nav-admin').count()).toBe(0)
    // Typing the admin route by hand leads back to a screen the role has.
    await page.goto(`${p.httpUrl}/#/admin/areas`)
    await page.getByTestId('queue-empty').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('admin-screen').count()).toBe(0)
    await page.screenshot({ path: join(shots, '01-queue-empty.png') })

    await signIn(otherPage, p.httpUrl, OTHER_OPERATOR)
    await otherPage.getByTestId('queue-empty').waitFor({ timeout: 10_000 })
  })

  it('a fall published by the device arrives live in the queue, with the sound on', async () => {
    const tonesBefore = await tonesStarted()
    expect(await page.getByTestId('sound-toggle').getAttribute('aria-pressed')).toBe('true')
    // A few minutes of vital signs first [P-3.1], for the workspace's charts.
    const now = Date.now()
    await device.telemetry({ samples: Array.from({ length: 8 }, (_, i) => ({ ts: now - (8 - i) * 30_000, vitals: { hr: 72 + i, spo2: 97 } })) }, 1)
    // Readings are written in batches (about a second); the alarm comes after they are stored.
    await eventually(async () => {
      const v = await p.api.get(`/api/residents/${home.residentId}/vitals?from=${now - 3600_000}&to=${Date.now()}&step=1m`)
      return (v.series.hr?.length ?? 0) > 0
    }, 10_000, 'heart-rate readings stored')
    await device.event('fall', { location: 'bathroom' })
    const row = page.locator('[data-testid="incident-row"][data-status="open"]')
    await row.first().waitFor({ timeout: 10_000 })
    incidentId = (await row.first().getAttribute('data-incident-id'))!
    expect(await row.first().getAttribute('data-priority')).toBe('P1')
    expect(await row.first().textContent()).toContain('王奶奶-shift')
    // The alarm tone was scheduled on the page's Web Audio context.
    expect(await tonesStarted()).toBeGreaterThan(tonesBefore)
    await page.screenshot({ path: join(shots, '02-fall-in-queue.png') })
  })

  it('the workspace shows the resident card, the devices of the site and the vitals charts', async () => {
    await page.locator(`[data-testid="incident-row"][data-incident-id="${incidentId}"]`).click()
    const card = page.getByTestId('resident-card')
    await card.waitFor({ timeout: 10_000 })
    expect(await card.getByTestId('resident-capacity').textContent()).toContain('中度失能') // capacityLevel 2, GB/T 42195
    expect(await card.getByTestId('resident-lives-alone').count()).toBe(1)
    expect(await card.getByTestId('resident-age').textContent()).toMatch(/\d+ 岁/)
    // The platform masks phones; a masked number is shown but not offered as a tel: link…
    expect(await card.textContent()).toContain('1234')
    expect(await card.getByTestId('phone-link').count()).toBe(0)
    // …until the operator reveals it, which the platform audits.
    await card.getByTestId('reveal-phones').click()
    await card.getByTestId('phone-link').first().waitFor({ timeout: 10_000 })
    expect(await card.getByTestId('phone-link').first().getAttribute('href')).toBe('tel:13800001234')
    const { rows: reveals } = await p.db.query<{ username: string }>("select username from audit_log where action = 'resident.reveal' and target_id = $1", [home.residentId])
    expect(reveals.map((r) => r.username)).toContain(OPERATOR.username)
    const deviceRow = page.locator(`[data-testid="site-devices"] [data-testid="device-row"][data-device-id="${home.device.id}"]`)
    await deviceRow.waitFor({ timeout: 10_000 })
    expect(await deviceRow.getAttribute('data-online')).toBe('true')
    // 24 h of vitals with the alarm moment marked.
    await page.getByTestId('vitals-hr-marker').waitFor({ timeout: 10_000 })
    expect(Number(await page.getByTestId('vitals-hr').getAttribute('data-points'))).toBeGreaterThan(0)
    await page.screenshot({ path: join(shots, '03-incident-workspace.png'), fullPage: true })
  })

  it('acknowledge (alarm.ack at the device), answer the intercom, dispatch, on scene, resolve: the queue empties', async () => {
    const received = new Promise<Command>((resolve) => { const off = device.onCommand((c) => { if (c.type === 'alarm.ack') { off(); resolve(c) } }) })
    await page.getByTestId('detail-ack-button').click()
    expect(await received).toMatchObject({ type: 'alarm.ack', args: { incident: incidentId } })
    await page.locator('[data-testid="detail-status"]', { hasText: '已接警' }).waitFor({ timeout: 10_000 })

    // [P-3.5] intercom.answer goes to the site's intercom.
    const answered = new Promise<Command>((resolve) => { const off = intercom.onCommand((c) => { off(); resolve(c) }) })
    await page.getByTestId('intercom-answer').click()
    expect((await answered).type).toBe('intercom.answer')

    const candidate = page.locator(`[data-testid="dispatch-candidate"][data-responder-id="${responderId}"]`)
    await candidate.waitFor({ timeout: 10_000 })
    expect(await candidate.textContent()).toContain('张护理')
    await page.screenshot({ path: join(shots, '03b-dispatch-candidates.png'), fullPage: true })
    await candidate.getByTestId('dispatch-candidate-button').click()
    await page.locator('[data-testid="detail-status"]', { hasText: '已派单' }).waitFor({ timeout: 10_000 })
    await page.getByTestId('dispatch-current').waitFor({ timeout: 10_000 })
    await page.getByTestId('dispatch-arrive').click()
    await page.locator('[data-testid="detail-status"]', { hasText: '已到场' }).waitFor({ timeout: 10_000 })

    await page.getByTestId('resolve-outcome').selectOption('handled_by_call')
    await page.getByTestId('resolve-submit').click()
    await page.getByTestId('queue-empty').waitFor({ timeout: 10_000 })
    const detail = await p.api.get(`/api/incidents/${incidentId}`)
    expect(detail).toMatchObject({ status: 'resolved', outcome: 'handled_by_call', acknowledgedBy: OPERATOR.username })
    await page.screenshot({ path: join(shots, '04-resolved-queue-empty.png') })
  })

  it('an operator of another area saw none of it, neither in the queue nor over the socket', async () => {
    expect(await otherPage.getByTestId('queue-empty').count()).toBe(1)
    expect(await otherPage.locator('[data-testid="incident-row"]').count()).toBe(0)
    const INCIDENT_EVENTS = ['incident:opened', 'incident:updated', 'incident:escalated']
    expect(await otherSocketEvents.received(INCIDENT_EVENTS)).toBe(0)
    // The same console in the home's area did receive them over its socket, so the probe works.
    expect(await socketEvents.received(['incident:opened'])).toBeGreaterThan(0)
    expect(await socketEvents.received(['incident:updated'])).toBeGreaterThan(0)
    await otherPage.getByTestId('nav-residents').click()
    await otherPage.getByTestId('residents-screen').waitFor()
    expect(await otherPage.getByTestId('resident-link').count()).toBe(0)
  })

  it('the devices screen shows live status and runs a test request to acked [P-3.5]', async () => {
    await page.getByTestId('nav-devices').click()
    // Scoped to the screen: the queue (hidden, still mounted) keeps the workspace's device list too.
    const screen = page.getByTestId('devices-screen')
    const row = screen.locator(`[data-testid="device-row"][data-device-id="${home.device.id}"]`)
    await row.waitFor({ timeout: 10_000 })
    await row.getByTestId('device-test-button').click()
    await row.locator('[data-testid="device-test-state"][data-status="acked"]').waitFor({ timeout: 15_000 })
    // The door sensor goes offline: the row follows the device:status event, no reload.
    const doorRow = screen.locator(`[data-testid="device-row"][data-device-id="${doorId}"]`)
    await screen.locator(`[data-testid="device-row"][data-device-id="${doorId}"][data-online="true"]`).waitFor({ timeout: 10_000 })
    await door.close()
    await screen.locator(`[data-testid="device-row"][data-device-id="${doorId}"][data-online="false"]`).waitFor({ timeout: 15_000 })
    expect(await doorRow.getByTestId('device-connection').textContent()).toContain('离线')
    await page.getByTestId('devices-filter-connection').selectOption('offline')
    await eventually(async () => (await screen.locator('[data-testid="device-row"]').count()) === 1, 5000, 'only the offline device listed')
    await page.getByTestId('devices-filter-connection').selectOption('all')
    await page.screenshot({ path: join(shots, '05-devices.png') })
  })

  it('the residents screen finds a resident and shows the incident history', async () => {
    await page.getByTestId('nav-residents').click()
    await page.getByTestId('residents-search').fill('王奶奶')
    await page.locator(`[data-testid="resident-link"][data-resident-id="${home.residentId}"]`).click()
    const historyRow = page.locator(`[data-testid="resident-history-row"][data-incident-id="${incidentId}"]`)
    await historyRow.waitFor({ timeout: 10_000 })
    expect(await historyRow.textContent()).toContain('电话处置')
    await page.screenshot({ path: join(shots, '06-resident-history.png'), fullPage: true })
  })

  it('switches the whole console to English and back', async () => {
    await page.getByTestId('language-toggle').click()
    await eventually(async () => (await page.locator('html').getAttribute('lang')) === 'en', 5000, 'lang=en')
    expect(await page.getByTestId('nav-queue').textContent()).toContain('Alarm queue')
    expect(await page.getByTestId('residents-screen').getByTestId('resident-card').textContent()).toContain('moderate disability')
    await page.screenshot({ path: join(shots, '07-english-resident.png'), fullPage: true })
    await page.getByTestId('language-toggle').click()
    await eventually(async () => (await page.locator('html').getAttribute('lang'))?.startsWith('zh') === true, 5000, 'lang=zh')
  })

  it('an administrator manages the registry and sees a new device secret once', async () => {
    await page.getByTestId('logout-button').click()
    await signIn(page, p.httpUrl, ADMIN)
    await page.getByTestId('nav-admin').click()
    await page.getByTestId('area-tree').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('area-tree').textContent()).toContain('社区-shift')
    await page.screenshot({ path: join(shots, '08-admin-areas.png'), fullPage: true })

    await page.getByTestId('admin-tab-devices').click()
    await page.getByTestId('device-type').selectOption('sos_button')
    await page.getByTestId('device-site').selectOption(home.siteId)
    await page.getByTestId('device-form-submit').click()
    const dialog = page.getByTestId('device-secret-dialog')
    await dialog.waitFor({ timeout: 10_000 })
    const newId = (await page.getByTestId('created-device-id').textContent())!
    const secret = (await page.getByTestId('created-device-secret').textContent())!
    await page.screenshot({ path: join(shots, '09-admin-device-secret.png') })
    // The secret shown is the one that works: the new device connects with it over MQTT.
    const sos = new SimDevice({ url: p.mqttUrl, credentials: { id: newId, secret, type: 'sos_button' } })
    loadDevices.push(sos)
    await sos.connect()
    await page.getByTestId('close-secret').click()
    expect(await page.getByTestId('device-secret-dialog').count()).toBe(0)
  })

  it('the administrator reads the response-time report and downloads it as CSV', async () => {
    await page.getByTestId('nav-reports').click()
    const total = page.getByTestId('reports-total')
    await total.waitFor({ timeout: 10_000 })
    // The fall of this shift, acknowledged and resolved.
    expect(Number(await total.textContent())).toBeGreaterThanOrEqual(1)
    expect(await page.getByTestId('reports-within60').getAttribute('data-share')).not.toBe('')
    await page.screenshot({ path: join(shots, '09b-reports.png'), fullPage: true })
    const download = page.waitForEvent('download')
    await page.getByTestId('reports-csv').click()
    const file = await (await download).path()
    const { readFile } = await import('node:fs/promises')
    expect((await readFile(file, 'utf8')).split(/\r?\n/)[0]).toMatch(/^section,metric,key,value/)
  })

  it(`keeps up with ${LOAD_INCIDENTS} active incidents: a new fall shows within 1 s of the publish`, async () => {
    // Load: residents of one institution, each with a device raising each of LOAD_TYPES once.
    const startedAt = Date.now()
    const residentsNeeded = Math.ceil(LOAD_INCIDENTS / LOAD_TYPES.length)
    const site = await p.api.post('/api/sites', { name: '负载测试院', kind: 'institution', areaId: home.communityId })
    const load: SimDevice[] = []
    // Ten registrations at a time: quick, without flooding the platform under test.
    for (let i = 0; i < residentsNeeded; i += 10) {
      load.push(...await Promise.all(Array.from({ length: Math.min(10, residentsNeeded - i) }, async (_, j) => {
        const r = await p.api.post('/api/residents', { name: `负载老人${i + j}`, siteId: site.id })
        const d = await p.api.post('/api/devices', { type: 'wearable', siteId: site.id, residentId: r.id })
        return new SimDevice({ url: p.mqttUrl, credentials: { id: d.id, secret: d.secret, type: 'wearable' } })
      })))
    }
    loadDevices.push(...load)
    // Off the console while loading, so the page loads the 1,000 as one snapshot.
    await page.goto('about:blank')
    await Promise.all(load.map((d) => d.connect()))
    await Promise.all(load.map(async (d) => { for (const type of LOAD_TYPES) await d.event(type) }))
    const total = residentsNeeded * LOAD_TYPES.length
    await eventually(async () => {
      const { rows } = await p.db.query<{ n: string }>("select count(*) as n from incidents where status = 'open'")
      return Number(rows[0].n) >= total
    }, 240_000, `${total} open incidents`)
    const seededAt = Date.now()

    await page.goto(p.httpUrl)
    await eventually(async () => (await page.locator('[data-testid="incident-row"]').count()) >= total, 60_000, `${total} rows in the queue`)
    console.log(`[console-perf] seeding ${total} incidents over MQTT took ${seededAt - startedAt} ms; the console showed them ${Date.now() - seededAt} ms after load`)
    await page.screenshot({ path: join(shots, '10-queue-1000.png') })

    // Watch the queue from inside the page, so the figure is the moment the row entered the DOM.
    await page.evaluate(() => {
      const w = window as unknown as { __probeSeenAt?: number }
      // Rows are the tbody's children: look only at rows added, so watching costs the page nothing.
      const observer = new MutationObserver((mutations) => {
        for (const m of mutations) {
          for (const node of m.addedNodes) {
            if (node instanceof HTMLElement && node.dataset.status === 'open' && node.textContent?.includes('王奶奶-shift') === true) {
              w.__probeSeenAt = Date.now()
              observer.disconnect()
              return
            }
          }
        }
      })
      observer.observe(document.querySelector('[data-testid="incident-queue"] tbody')!, { childList: true })
    })
    // A plain socket.io client beside the browser splits the figure: platform vs console.
    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const emitted = nextEvent(socket, 'incident:opened', (i) => i.residentId === home.residentId, 10_000)
    const publishedAt = Date.now()
    await device.event('fall', { location: 'bedroom' })
    await emitted
    const emittedAt = Date.now()
    socket.close()
    const probeRow = page.locator('[data-testid="incident-row"][data-status="open"]', { hasText: '王奶奶-shift' })
    await probeRow.waitFor({ state: 'attached', timeout: 10_000 })
    const seenAt = await page.evaluate(() => (window as unknown as { __probeSeenAt?: number }).__probeSeenAt ?? null)
    expect(seenAt).not.toBeNull()
    const elapsedMs = seenAt! - publishedAt
    console.log(`[console-perf] ${total + 1} active incidents: publish → incident:opened at a socket client ${emittedAt - publishedAt} ms; publish → row in the queue ${elapsedMs} ms`)
    // The requirement, checked in the browser on a machine shared with other work.
    expect(elapsedMs).toBeLessThan(1000)
    expect(await page.locator('[data-testid="incident-row"]').count()).toBe(total + 1)
  }, 360_000)
})
