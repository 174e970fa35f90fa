/**
 * Builds the operator console once per test run into test-output/, so browser tests
 * exercise exactly what `npm start` serves, without touching dashboard/dist.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT, testOutputDir } from './chromium.ts'

const run = promisify(execFile)
let building: Promise<string> | null = null

export function buildDashboard (): Promise<string> {
  building ??= buildDashboardAt(REPO_ROOT, join(testOutputDir('dashboard-build'), 'dist'))
  return building
}

/** Builds the console of the checkout at `root` (its own Vite) into `outDir`; resolves with `outDir`. */
export async function buildDashboardAt (root: string, outDir: string): Promise<string> {
  await run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error', '--emptyOutDir', '--outDir', outDir],
    { cwd: join(root, 'dashboard'), timeout: 180_000 })
  if (!existsSync(join(outDir, 'index.html'))) throw new Error(`the dashboard build produced no ${outDir}/index.html`)
  return outDir
}
