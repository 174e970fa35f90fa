/**
 * End to end in a real browser (Debian's Chromium via playwright-core) against the real
 * embedded platform and a real device over MQTT: an operator signs in, a fall published
 * after the page loaded appears in the queue live, with sound; acknowledging it sends
 * `alarm.ack` to the device.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Command } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { launchChromium, needsChromium, testOutputDir } from '../support/chromium.ts'
import { watchAlarmTones } from '../support/console-probes.ts'
import { buildDashboard } from '../support/dashboard-build.ts'
import { ADMIN, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const browserReq = needsChromium('operator console end-to-end')

describe.skipIf(!browserReq.ok)('operator console: one fall alarm in a real browser', () => {
  let p: TestPlatform
  let browser: Browser
  let page: Page
  let home: SeededHome
  let device: SimDevice
  let tonesStarted: () => Promise<number>
  const shots = testOutputDir('e2e')

  beforeAll(async () => {
    const dashboardDir = await buildDashboard()
    p = await startTestPlatform({}, { dashboardDir })
    await p.api.login()
    home = await seedHome(p.api, { name: 'e2e' })
    device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'fall_detector' } })
    await device.connect()
    browser = await launchChromium()
    page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
    tonesStarted = await watchAlarmTones(page)
  })

  afterAll(async () => {
    await browser?.close()
    await device?.close()
    await p?.close()
  })

  it('signs in (Chinese first) and shows an empty live queue', async () => {
    await page.goto(p.httpUrl)
    await page.locator('#login-title').waitFor({ timeout: 10_000 })
    expect(await page.locator('#login-title').textContent()).toMatch(/[\u4e00-\u9fa5]/)
    expect(await page.locator('html').getAttribute('lang')).toMatch(/^zh/)
    await page.getByTestId('login-username').fill(ADMIN.username)
    await page.getByTestId('login-password').fill(ADMIN.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('queue-empty').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('current-user').textContent()).toContain('系统管理员') // the administrator's display name
    await page.screenshot({ path: join(shots, '1-empty-queue.png') })
  })

  it('shows a fall published after page load within 2 s, with an alarm sound', async () => {
    const tonesBefore = await tonesStarted()
    const fall = await device.event('fall', { location: 'bathroom' })
    const row = page.locator(`[data-testid="incident-row"][data-status="open"]`)
    await row.first().waitFor({ timeout: 2000 })
    expect(await row.count()).toBe(1)
    expect(await row.first().getAttribute('data-priority')).toBe('P1')
    expect(await row.first().textContent()).toContain('王奶奶-e2e')
    const { rows } = await p.db.query<{ incident_id: string }>('select incident_id from inbox where msg_id = $1', [fall.id])
    expect(await row.first().getAttribute('data-incident-id')).toBe(rows[0].incident_id)
    expect(await page.getByTestId('sound-toggle').getAttribute('aria-pressed')).toBe('true')
    // The alarm tone was scheduled on the page's Web Audio context.
    expect(await tonesStarted()).toBeGreaterThan(tonesBefore)
    await page.screenshot({ path: join(shots, '2-fall-in-queue.png') })
  })

  it('acknowledges it from the queue; the device receives alarm.ack and the row shows who', async () => {
    const received = new Promise<Command>((resolve) => { const off = device.onCommand((c) => { off(); resolve(c) }) })
    const row = page.locator('[data-testid="incident-row"]').first()
    const incidentId = await row.getAttribute('data-incident-id')
    await row.getByTestId('ack-button').click()
    const cmd = await received
    expect(cmd).toMatchObject({ type: 'alarm.ack', args: { incident: incidentId } })
    await page.locator(`[data-testid="incident-row"][data-incident-id="${incidentId}"][data-status="acknowledged"]`).waitFor({ timeout: 5000 })
    const detail = await p.api.get(`/api/incidents/${incidentId}`)
    expect(detail).toMatchObject({ status: 'acknowledged', acknowledgedBy: ADMIN.username })
    expect(detail.timeline.map((t: { kind: string }) => t.kind)).toEqual(expect.arrayContaining(['opened', 'acknowledge', 'command_sent']))
    await page.screenshot({ path: join(shots, '3-acknowledged.png') })
  })
})
