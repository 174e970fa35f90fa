#!/usr/bin/env node
// `npm start`: builds the dashboard once if it has not been built, then runs the embedded
// platform (gateway + platform + dashboard in one process) from its TypeScript sources (tsx).
// `npm run start:prod` (`--prod`): the same embedded platform from the JavaScript that
// `npm run build` compiled into each package's dist/; no tsx, no build at start.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

// The runtime's flags (docs/deployment.md "The runtime's flags"), as the image gives them in NODE_OPTIONS.
const flagsFile = `${root}scripts/node-flags.json`
let nodeFlags
try { nodeFlags = JSON.parse(readFileSync(flagsFile, 'utf8')) } catch (err) { nodeFlags = err }
if (!Array.isArray(nodeFlags) || !nodeFlags.every((f) => typeof f === 'string' && f.startsWith('--'))) {
  process.stderr.write(`${flagsFile}: expected a JSON array of node options such as ["--max-semi-space-size=16"]${nodeFlags instanceof Error ? ` (${nodeFlags.message})` : ''}\n`)
  process.exit(1)
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const prod = process.argv.includes('--prod')
const dashboard = `${root}dashboard/dist/index.html`

let args
if (prod) {
  if (!existsSync(`${root}platform/dist/main.js`) || !existsSync(`${root}device-sim/dist/index.js`)) {
    process.stderr.write('no compiled platform (platform/dist, device-sim/dist): run `npm run build` first\n')
    process.exit(1)
  }
  if (!existsSync(dashboard)) process.stderr.write('no dashboard/dist: the API and devices run, the console will not be served (`npm run build`)\n')
  // Our packages' `exports` resolve to src/*.ts by default and to dist/*.js under this condition.
  args = ['--conditions=@eldercare/compiled', `${root}scripts/embedded-demo.mjs`]
} else {
  if (!existsSync(dashboard)) {
    process.stderr.write('building the dashboard (first start only)…\n')
    const build = spawnSync(npm, ['run', 'build', '-w', 'dashboard', '--silent'], { cwd: root, stdio: 'inherit' })
    if (build.status !== 0) {
      process.stderr.write('the dashboard build failed; the API and devices still run, the console will not be served\n')
    }
  }
  args = ['--import', 'tsx', `${root}scripts/embedded-demo.mjs`]
}

const child = spawn(process.execPath, [...nodeFlags, ...args], { cwd: process.cwd(), stdio: 'inherit', env: process.env })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
