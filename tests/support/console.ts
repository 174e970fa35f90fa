/** The operator console in a browser page, signed in as the administrator (Chinese first). */
import type { Browser, Page } from 'playwright-core'
import { ADMIN } from './platform.ts'

/** `bypassCSP`: let the test evaluate scripts in the page as text (the console's CSP forbids eval). */
export async function openConsole (browser: Browser, httpUrl: string, viewport = { width: 1440, height: 1000 }, opts: { bypassCSP?: boolean } = {}): Promise<Page> {
  const page = await browser.newPage({ locale: 'zh-CN', viewport, bypassCSP: opts.bypassCSP ?? false })
  await page.goto(httpUrl)
  await page.getByTestId('login-username').fill(ADMIN.username)
  await page.getByTestId('login-password').fill(ADMIN.password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('queue-empty').waitFor({ timeout: 15_000 })
  return page
}
