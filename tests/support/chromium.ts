// Debian's Chromium driven by playwright-core. Never `npx playwright install`: it downloads a
// browser of its own, which this machine cannot fetch. The flags keep Chromium from reaching for
// hosts it cannot reach (ENVIRONMENT.md); without them it retries connections all run long.
//
//   const browserReq = needsChromium()
//   describe.skipIf(!browserReq.ok)('operator console', () => {
//     let browser: Browser
//     beforeAll(async () => { browser = await launchChromium() })
//     afterAll(() => browser?.close())
//     it('…', async () => {
//       const page = await browser.newPage()
//       await page.screenshot({ path: join(testOutputDir('console'), 'queue.png') })
//     })
//   })
//
// Playwright kills the browser itself if the test process exits, and launches it with a fresh
// temporary profile that it removes on close().
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type LaunchOptions } from 'playwright-core'
import { needs, type Requirement } from './requirements.ts'

export const CHROMIUM_PATH = '/usr/bin/chromium'
export const CHROMIUM_DEBIAN_PACKAGE = 'chromium'

/** Flags for a headless Chromium on a machine without a network, as root. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** The test needs Debian's Chromium (skip or, on CI, fail). */
export function needsChromium(name = 'Chromium'): Requirement {
  return needs(name, CHROMIUM_PATH, CHROMIUM_DEBIAN_PACKAGE)
}

/** Launches headless Debian Chromium; `options` are merged over ours (args are appended). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    timeout: 30_000,
    ...options,
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])]
  })
}

/** The repository root (this file is tests/support/chromium.ts). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

/**
 * `test-output/<name>/` at the repository root, created if missing (git-ignored), for
 * screenshots and other artefacts a person may want to look at after a run.
 */
export function testOutputDir(name: string): string {
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`testOutputDir: "${name}" must be a relative path of plain names`)
  }
  const dir = join(REPO_ROOT, 'test-output', name)
  mkdirSync(dir, { recursive: true })
  return dir
}
