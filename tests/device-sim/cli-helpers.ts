/** Runs the device-sim CLI for a test: in-process through `main` (fast), or as `npx device-sim` (the real bin). */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { main } from '@eldercare/device-sim'

export interface CliRun { code: number, out: string, err: string }

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** `device-sim argv…` in this process; `stop` ends run/record like Ctrl-C would. */
export async function cli (argv: string[], opts: { env?: Record<string, string>, stop?: Promise<void> } = {}): Promise<CliRun> {
  const out = new PassThrough()
  const err = new PassThrough() as unknown as NodeJS.WriteStream
  let o = ''
  let e = ''
  out.on('data', (d) => { o += d })
  ;(err as unknown as PassThrough).on('data', (d: Buffer) => { e += d })
  const code = await main(argv, { out, err, env: { ...opts.env }, interrupted: opts.stop ?? new Promise(() => {}) })
  return { code, out: o, err: e }
}

/** `npx device-sim argv…` from the repository root, as a user types it. */
export function npxDeviceSim (argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'device-sim', ...argv], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code: code ?? 1, out, err: err.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n') }))
  })
}

export function tempDir (prefix: string): { dir: string, path: (name: string) => string, remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `device-sim-${prefix}-`))
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) }
}
