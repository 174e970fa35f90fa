#!/usr/bin/env node
// `npm start`: builds the dashboard once if it has not been built, then runs the embedded
// platform (gateway + platform + dashboard in one process) from its TypeScript sources.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

if (!existsSync(`${root}dashboard/dist/index.html`)) {
  process.stderr.write('building the dashboard (first start only)…\n')
  const build = spawnSync(npm, ['run', 'build', '-w', 'dashboard', '--silent'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) {
    process.stderr.write('the dashboard build failed; the API and devices still run, the console will not be served\n')
  }
}

const child = spawn(process.execPath, ['--import', 'tsx', `${root}scripts/embedded-demo.ts`], { cwd: process.cwd(), stdio: 'inherit', env: process.env })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
