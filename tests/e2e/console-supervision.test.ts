/**
 * The supervision screens of the console in a real browser against a real embedded platform
 * (issue 16): a district supervisor reads the targets of the district's subtree as a tree (set
 * by an administrator; no edit button for the supervisor), sees the visit rule a street inherits from the district,
 * generates last month's statement, opens it as PDF and CSV,
 * regenerates it only after confirming with a reason (audited, the first version kept), and finds
 * a never-assessed resident on the due list, whose link opens the resident's assessment form,
 * and the resident living alone on the roster (not on 失能 + 独居: the district counts 失能 from level 3);
 * then a district administrator gives the street its own rule and, after confirming, removes it
 * again ("恢复继承"), audited.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, needsChromium, testOutputDir } from '../support/chromium.ts'
import { buildDashboard } from '../support/dashboard-build.ts'
import { seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const browserReq = needsChromium('supervision screens in the console')
const SUPERVISOR = { username: 'sup-wolong', password: 'supervisor-pass' }

/** The calendar month before now in Asia/Shanghai (the platform's TIME_ZONE default and the browser's below). */
function lastMonth (): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

describe.skipIf(!browserReq.ok)('operator console: a supervisor through targets, statements and the due list', () => {
  let p: TestPlatform
  let browser: Browser
  let page: Page
  let home: SeededHome
  const year = new Date().getFullYear()
  const shots = testOutputDir('e2e-supervision')

  beforeAll(async () => {
    const dashboardDir = await buildDashboard()
    p = await startTestPlatform({}, { dashboardDir, app: { statementJobMs: 0 } })
    await p.api.login()
    home = await seedHome(p.api, { name: 'supervision' })
    await p.api.request('PUT', `/api/areas/${home.districtId}/targets/${year}`, { familyBeds: 1200, visitCoverage: 1, assessmentCoverage: 0.9, ackWithin60s: 0.975 })
    await p.api.request('PUT', `/api/areas/${home.districtId}/visit-rules`, { eligibleGroups: ['lives_alone', 'disabled'], countingMethods: ['home'], disabledFromLevel: 3 })
    await p.api.post('/api/users', { ...SUPERVISOR, role: 'supervisor', areaId: home.districtId, displayName: '卧龙区主管' })
    browser = await launchChromium()
    page = await browser.newPage({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 1100 }, acceptDownloads: true })
    await page.goto(p.httpUrl)
    await page.getByTestId('login-username').fill(SUPERVISOR.username)
    await page.getByTestId('login-password').fill(SUPERVISOR.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('queue-empty').waitFor({ timeout: 15_000 })
  })

  afterAll(async () => {
    await browser?.close()
    await p?.close()
  })

  it('reads the targets of the district\'s whole subtree as an indented tree, with no edit button for a supervisor', async () => {
    await page.getByTestId('nav-supervision').click()
    const rows = page.getByTestId('targets-row')
    await rows.first().waitFor({ timeout: 10_000 })
    // the district, its one street and that street's one community, each one step further in
    expect(await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-area') ?? ''}:${tr.getAttribute('data-depth') ?? ''}`)))
      .toEqual([`${home.districtId}:0`, `${home.streetId}:1`, `${home.communityId}:2`])
    expect(await rows.first().textContent()).toBe('区-supervision (区/县)1200100%90%97.5%')
    expect(await rows.nth(2).textContent()).toBe('└ 社区-supervision (社区/村)未设定未设定未设定未设定')
    const indents = await rows.evaluateAll((trs) => trs.map((tr) => (tr.querySelector('th') as HTMLElement).getBoundingClientRect().left + parseFloat(getComputedStyle(tr.querySelector('th') as HTMLElement).paddingLeft)))
    expect(indents[0]).toBeLessThan(indents[1])
    expect(indents[1]).toBeLessThan(indents[2])
    expect(await page.getByTestId('targets-edit').count()).toBe(0)
    await page.screenshot({ path: join(shots, '1-targets.png') })
  })

  it('shows the visit rule a street inherits from the district, read only', async () => {
    await page.getByTestId('supervision-tab-rules').click()
    await page.getByTestId('rules-source').filter({ hasText: '本区域自行设定' }).waitFor({ timeout: 10_000 })
    await page.getByTestId('rules-area').selectOption(home.streetId)
    await page.getByTestId('rules-source').filter({ hasText: '沿用上级“区-supervision”的规则' }).waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('rules-groups').textContent()).toBe('独居、失能')
    expect(await page.getByTestId('rules-methods').textContent()).toBe('上门探访')
    expect(await page.getByTestId('rules-form').count()).toBe(0)
  })

  it('generates last month\'s statement, opens it as PDF and CSV, and regenerates it only with a reason', async () => {
    const month = lastMonth()
    await page.getByTestId('supervision-tab-statements').click()
    await page.getByTestId('statements-empty').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('statements-generate-month').inputValue()).toBe(month)
    await page.getByTestId('statements-generate').click()
    await page.getByTestId('statement-confirm-button').click()
    const first = page.locator(`[data-testid="statement-row"][data-month="${month}"][data-version="1"]`)
    await first.waitFor({ timeout: 15_000 })
    expect(await first.textContent()).toContain('sup-wolong')

    const [pdf] = await Promise.all([page.waitForEvent('download'), first.getByTestId('statement-pdf').click()])
    expect(pdf.suggestedFilename()).toBe(`statement-${month}-v1.pdf`)
    expect((await readFile((await pdf.path())!)).subarray(0, 5).toString()).toBe('%PDF-')
    const [csv] = await Promise.all([page.waitForEvent('download'), first.getByTestId('statement-csv').click()])
    expect((await readFile((await csv.path())!, 'utf8'))).toContain('section,metric,key,value,target')

    await first.getByTestId('statement-regenerate').click()
    const confirm = page.getByTestId('statement-confirm')
    expect(await confirm.textContent()).toContain('已有第 1 版报表。重新生成将新增第 2 版，第 1 版按已发布的内容保留')
    expect(await confirm.getByTestId('statement-confirm-button').isDisabled()).toBe(true)
    await confirm.getByTestId('statement-reason').fill('补录月底的上门探访')
    await page.screenshot({ path: join(shots, '2-regenerate-confirm.png') })
    await confirm.getByTestId('statement-confirm-button').click()
    await page.locator(`[data-testid="statement-row"][data-month="${month}"][data-version="2"]`).waitFor({ timeout: 15_000 })
    expect(await page.locator(`[data-testid="statement-row"][data-month="${month}"]`).count()).toBe(2)
    expect(await page.getByTestId('statements-done').textContent()).toContain('第 2 版')

    // The platform kept version 1 and audited the regeneration with the reason and the supervisor's name.
    const kept = await p.api.get<{ items: Array<{ version: number, reason: string | null }> }>(`/api/statements?areaId=${home.districtId}`)
    expect(kept.items.map((s) => [s.version, s.reason])).toEqual([[2, '补录月底的上门探访'], [1, null]])
    const audit = await p.api.get<{ items: Array<{ username: string, data: { reason: string, version: number } }> }>('/api/audit?action=statement.regenerate')
    expect(audit.items.map((a) => [a.username, a.data.version, a.data.reason])).toEqual([['sup-wolong', 2, '补录月底的上门探访']])
  })

  it('lists the never-assessed resident as due and opens the resident\'s assessment form from there', async () => {
    await page.getByTestId('supervision-tab-due').click()
    const row = page.locator(`[data-testid="due-row"][data-resident="${home.residentId}"]`)
    await row.waitFor({ timeout: 10_000 })
    expect(await row.textContent()).toContain('从未评估')
    expect(await page.getByTestId('due-summary').textContent()).toContain('逾期或从未评估 1 人')
    await page.screenshot({ path: join(shots, '3-due.png') })
    await row.getByTestId('due-open').click()
    // A supervisor may record an assessment (assessment.record): the resident's page opens on the form.
    await page.getByTestId('assessment-form').waitFor({ timeout: 10_000 })
    expect(page.url()).toContain(`#/residents/${home.residentId}/assessment`)
    await page.getByTestId('resident-card').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('assessment-form').isVisible()).toBe(true)
    await page.screenshot({ path: join(shots, '4-assessment-form.png') })
  })

  it('answers "disabled and living alone here: how many, with a bed, visited, assessed" on the roster, with the district\'s threshold', async () => {
    await page.getByTestId('nav-supervision').click()
    await page.getByTestId('supervision-tab-roster').click()
    // The district counts 失能 from level 3 (its visit rule): the level-2 resident living alone is not on 失能 + 独居.
    await page.getByTestId('roster-empty').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('roster-summary').textContent()).toContain('失能 + 独居 共 0 人')
    await page.getByTestId('roster-group-disabled').uncheck()
    const row = page.locator(`[data-testid="roster-row"][data-resident="${home.residentId}"]`)
    await row.waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('roster-summary').textContent()).toContain('独居 共 1 人，其中有家庭养老床位 0 人；本月已探访 0 人，未探访 1 人。')
    expect(await row.textContent()).toContain('未探访')
    expect(await row.textContent()).toContain('从未评估')
    await page.screenshot({ path: join(shots, '4b-roster.png') })
    await row.getByRole('link').click()
    await page.getByTestId('resident-card').waitFor({ timeout: 10_000 })
    expect(page.url()).toContain(`#/residents/${home.residentId}/assessment`)
  })

  it('a district administrator removes the street\'s own visit rule after confirming: the street inherits again, audited', async () => {
    await p.api.post('/api/users', { username: 'adm-wolong', password: 'administrator-pass', role: 'admin', areaId: home.districtId })
    await p.api.request('PUT', `/api/areas/${home.streetId}/visit-rules`, { eligibleGroups: ['lives_alone'], countingMethods: ['home', 'phone'], disabledFromLevel: 2 })
    const ctx = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 1100 } })
    const admin = await ctx.newPage()
    try {
      await admin.goto(`${p.httpUrl}/#/supervision/rules`)
      await admin.getByTestId('login-username').fill('adm-wolong')
      await admin.getByTestId('login-password').fill('administrator-pass')
      await admin.getByTestId('login-submit').click()
      if (!(await admin.getByTestId('rules-area').isVisible().catch(() => false))) {
        await admin.getByTestId('nav-supervision').click()
        await admin.getByTestId('supervision-tab-rules').click()
      }
      await admin.getByTestId('rules-area').selectOption(home.streetId)
      await admin.getByTestId('rules-source').filter({ hasText: '本区域自行设定' }).waitFor({ timeout: 10_000 })
      await admin.getByTestId('rules-inherit').click()
      const confirm = admin.getByRole('alertdialog')
      expect(await confirm.textContent()).toContain('恢复沿用上级规则')
      await admin.screenshot({ path: join(shots, '5-inherit-confirm.png') })
      await admin.getByTestId('rules-inherit-confirm-button').click()
      await admin.getByTestId('rules-source').filter({ hasText: '沿用上级“区-supervision”的规则' }).waitFor({ timeout: 10_000 })
      expect(await admin.getByTestId('rules-inherited').textContent()).toBe('已删除，现行规则：沿用上级“区-supervision”的规则。')
      expect(await admin.getByTestId('rules-groups').textContent()).toBe('独居、失能')
      expect(await admin.getByTestId('rules-inherit').count()).toBe(0)
    } finally {
      await ctx.close()
    }
    expect((await p.api.get<{ fromAreaId: string }>(`/api/areas/${home.streetId}/visit-rules`)).fromAreaId).toBe(home.districtId)
    const audit = await p.api.get<{ items: Array<{ action: string, username: string, targetId: string }> }>('/api/audit?action=area.visit_rules_removed')
    expect(audit.items.map((a) => [a.action, a.username, a.targetId])).toEqual([['area.visit_rules_removed', 'adm-wolong', home.streetId]])
  })
})
