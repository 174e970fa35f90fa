/**
 * The welfare-round panel of the console in a real browser (issue 17): a supervisor starts a
 * round from the visits screen (探访关爱), the device says the message [P-3.5], the resident is
 * listed as unconfirmed until their "I'm OK" press [P-3.2] confirms them.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Command } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { launchChromium, needsChromium, testOutputDir } from '../support/chromium.ts'
import { buildDashboard } from '../support/dashboard-build.ts'
import { openConsole } from '../support/console.ts'
import { seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const browserReq = needsChromium('welfare round in the console')

describe.skipIf(!browserReq.ok)('operator console: a welfare round', () => {
  let p: TestPlatform
  let browser: Browser
  let page: Page
  let home: SeededHome
  let device: SimDevice

  beforeAll(async () => {
    const dashboardDir = await buildDashboard()
    p = await startTestPlatform({}, { dashboardDir, app: { welfareRounds: { broadcastIntervalMs: 10 } } })
    await p.api.login()
    home = await seedHome(p.api, { deviceType: 'intercom', name: 'welfare' })
    device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'intercom' } })
    await device.connect()
    browser = await launchChromium()
    page = await openConsole(browser, p.httpUrl, { width: 1440, height: 1200 })
  })

  afterAll(async () => {
    await browser?.close()
    await device?.close()
    await p?.close()
  })

  it('starts a round over the district, shows who is unconfirmed, and the checkin confirms them', async () => {
    const spoken = new Promise<Command>((resolve) => { const off = device.onCommand((c) => { if (c.type === 'speak') { off(); resolve(c) } }) })
    await page.goto(`${p.httpUrl}/#/visits`)
    const panel = page.getByTestId('welfare-rounds')
    await panel.getByTestId('welfare-area').selectOption(home.districtId)
    await panel.getByTestId('welfare-message').fill('今天高温，请多喝水；平安请按“我很好”')
    await panel.getByTestId('welfare-submit').click()
    await panel.locator('[data-testid="welfare-round"][data-status="running"]').waitFor({ timeout: 10_000 })
    expect(await panel.getByTestId('welfare-progress').textContent()).toContain('已确认 0/1')
    expect(await panel.getByTestId('welfare-unconfirmed').textContent()).toContain('王奶奶-welfare')
    expect((await spoken).args).toMatchObject({ text: '今天高温，请多喝水；平安请按“我很好”' })

    await device.event('checkin')
    await page.reload()
    await panel.getByTestId('welfare-progress').filter({ hasText: '已确认 1/1' }).waitFor({ timeout: 10_000 })
    expect(await panel.getByTestId('welfare-by-kind').textContent()).toContain('按键报平安 1')
    expect(await panel.getByTestId('welfare-unconfirmed').count()).toBe(0)
    await panel.screenshot({ path: join(testOutputDir('e2e-calls'), '4-welfare-round.png') })
  })
})
