/**
 * Issue 13: the built console runs under the platform's Content-Security-Policy (set by
 * @fastify/helmet) in a real Chromium with no console error and no CSP violation, across every
 * screen, with the live channel (socket.io over WebSocket) connected and a live alarm shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { SimDevice } from '@eldercare/device-sim'
import { launchChromium, needsChromium } from '../support/chromium.ts'
import { buildDashboard } from '../support/dashboard-build.ts'
import { ADMIN, seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'

const browserReq = needsChromium('console under CSP')

describe.skipIf(!browserReq.ok)('operator console under the Content-Security-Policy', () => {
  let p: TestPlatform
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    const dashboardDir = await buildDashboard()
    p = await startTestPlatform({}, { dashboardDir })
    browser = await launchChromium()
    page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    // Violations are reported to the page as events too (and as console errors in Chromium).
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
    })
  })
  afterAll(async () => {
    await browser?.close()
    await p?.close()
  })

  it('serves the console with the CSP, and every screen loads without an error or violation', async () => {
    const res = await page.goto(p.httpUrl)
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'")
    await page.getByTestId('login-username').fill(ADMIN.username)
    await page.getByTestId('login-password').fill(ADMIN.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('queue-empty').waitFor({ timeout: 10_000 }).catch((e) => { throw new Error(`${e.message}\n${problems.join('\n')}`) })
    await p.api.login()
    const home = await seedHome(p.api, { name: 'csp' })
    const device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'fall_detector' } })
    await device.connect()
    try {
      await device.event('fall')
      await page.getByTestId('queue-empty').waitFor({ state: 'detached', timeout: 10_000 }) // the live channel works under connect-src
    } finally {
      await device.close()
    }
    // every screen the administrator's navigation offers
    const screens = await page.locator('[data-testid^="nav-"]').evaluateAll((links) => links.map((l) => l.getAttribute('data-testid')!))
    expect(screens.length).toBeGreaterThanOrEqual(5)
    for (const screen of screens) {
      await page.getByTestId(screen).click()
      await page.waitForLoadState('networkidle')
    }
    expect(problems).toEqual([])
  })
})
