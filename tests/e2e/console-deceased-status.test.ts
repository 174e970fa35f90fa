/**
 * Issue 16 in a real browser: a visit recorded with the outcome 已故 (deceased) offers, in a
 * confirmation dialog, to set the resident's status — nothing changes until the operator
 * confirms; confirmed (twice, even), the platform records it once and audits it once. Then an
 * administrator creates an upper platform's integration account: its token is shown once and
 * works, and after revoking it the token is refused.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, needsChromium, testOutputDir } from '../support/chromium.ts'
import { buildDashboard } from '../support/dashboard-build.ts'
import { openConsole } from '../support/console.ts'
import { Api, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const browserReq = needsChromium('deceased confirmation in the console')

describe.skipIf(!browserReq.ok)('operator console: status confirmation and upper platforms', () => {
  let p: TestPlatform
  let browser: Browser
  let page: Page
  let home: SeededHome

  beforeAll(async () => {
    const dashboardDir = await buildDashboard()
    p = await startTestPlatform({}, { dashboardDir })
    await p.api.login()
    home = await seedHome(p.api, { name: 'deceased' })
    const today = new Date().toISOString().slice(0, 10)
    await p.api.post('/api/visits', { residentId: home.residentId, dueDate: today, visitorName: '李社工' })
    browser = await launchChromium()
    page = await openConsole(browser, p.httpUrl, { width: 1440, height: 1200 })
  })

  afterAll(async () => {
    await browser?.close()
    await p?.close()
  })

  it('a visit recorded as deceased asks before setting the status; confirmed, it is recorded and audited once', async () => {
    await page.goto(`${p.httpUrl}/#/visits`)
    const row = page.getByTestId('visit-row').filter({ hasText: '王奶奶-deceased' })
    await row.getByTestId('visit-record').click()
    await page.getByTestId('visit-outcome').selectOption('deceased')
    await page.getByTestId('visit-save').click()
    const dialog = page.getByTestId('status-confirm-dialog')
    await dialog.waitFor({ timeout: 10_000 })
    expect(await dialog.textContent()).toContain('是否将 王奶奶-deceased 的状态设为「去世」')
    // offered, not applied
    expect((await p.api.get(`/api/residents/${home.residentId}`)).status).toBe('active')
    await page.getByTestId('status-confirm-date').fill('2026-03-04')
    await dialog.screenshot({ path: join(testOutputDir('e2e-supervision'), 'deceased-confirmation.png') })
    await page.getByTestId('status-confirm-yes').click()
    await page.getByTestId('status-confirm-done').filter({ hasText: '已记录：去世（自 2026-03-04）' }).waitFor({ timeout: 10_000 })
    await page.getByTestId('status-confirm-close').click()
    await dialog.waitFor({ state: 'detached' })

    // the same confirmation sent again (a second tab, a double click) is not a second change
    const again = await p.api.request('PUT', `/api/residents/${home.residentId}/status`, { status: 'deceased', statusSince: '2026-03-04' })
    expect(again.recorded).toBe(false)
    const history = await p.api.get(`/api/residents/${home.residentId}/status-history`)
    expect(history.status).toBe('deceased')
    expect(history.items.filter((h: { status: string }) => h.status === 'deceased')).toEqual([expect.objectContaining({ since: '2026-03-04T00:00:00.000Z', reason: '探访结果：已故', recordedBy: 'admin' })])
    const audit = await p.api.get('/api/audit?action=resident.status')
    expect(audit.items.filter((e: { targetId: string }) => e.targetId === home.residentId)).toHaveLength(1)

    // the resident's card shows the status with its date and its history
    await page.goto(`${p.httpUrl}/#/residents/${home.residentId}`)
    const section = page.getByTestId('resident-status-section')
    await section.getByTestId('resident-status-history').filter({ hasText: '2026-03-04 · 去世' }).waitFor({ timeout: 10_000 })
    expect(await section.getByTestId('resident-status-current').textContent()).toContain('去世')
  })

  it('an administrator creates an integration account: the token is shown once and works until revoked', async () => {
    await page.goto(`${p.httpUrl}/#/admin/integrations`)
    await page.getByTestId('integration-name').fill('南阳市养老服务平台')
    await page.getByTestId('integration-username').fill('nanyang-city-e2e')
    await page.getByTestId('integration-area').selectOption(home.districtId)
    await page.getByTestId('integration-form-submit').click()
    const token = (await page.getByTestId('integration-token').textContent({ timeout: 10_000 }))!.trim()
    await page.getByTestId('integration-token-close').click()
    await page.getByTestId('integration-token').waitFor({ state: 'detached' })
    const upper = new Api(p.httpUrl)
    upper.token = token
    expect((await upper.get(`/api/reports/population?areaId=${home.districtId}`)).total).toBe(1)
    expect((await upper.get('/api/residents').catch((e) => e)).status).toBe(403)

    const card = page.getByTestId('integration-row').filter({ hasText: '南阳市养老服务平台' })
    await card.getByTestId('integration-mqtt').click()
    expect(await card.getByTestId('integration-mqtt').textContent()).toContain(`care/v1/areas/${home.districtId}/incidents`)
    await card.getByTestId('integration-revoke').click()
    await card.getByTestId('integration-revoke').click()
    await page.locator('[data-testid="integration-row"][data-disabled="true"]').filter({ hasText: '南阳市养老服务平台' }).waitFor({ timeout: 10_000 })
    expect((await upper.get(`/api/reports/population?areaId=${home.districtId}`).catch((e) => e)).status).toBe(401)
  })
})
