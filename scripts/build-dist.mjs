#!/usr/bin/env node
// Second step of `npm run build`, after `tsc -b tsconfig.build.json`: makes each compiled
// package's dist/ mirror its src/.
//   - Files tsc does not emit (the platform's SQL migrations, …) are copied from src/ to dist/,
//     so code that finds them next to itself (`new URL('./migrations/', import.meta.url)`)
//     finds them in dist/ too.
//   - What tsc left behind for a source that no longer exists (a renamed module's .js, a
//     deleted migration) is removed: a stale migration in dist/ would still be applied.
// The packages are the workspaces that have a tsconfig.build.json (docs/deployment.md).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const SOURCE = /\.(ts|tsx)$/
/** What tsc emits for `x.ts`: x.js, x.js.map, x.d.ts, x.d.ts.map. */
const EMITTED = /(\.js|\.js\.map|\.d\.ts|\.d\.ts\.map)$/

/** Every file under `dir`, as paths relative to it. */
function files (dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile())
}

const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces
let copied = 0
let removed = 0
for (const ws of workspaces) {
  if (!existsSync(join(root, ws, 'tsconfig.build.json'))) continue
  const src = join(root, ws, 'src')
  const dist = join(root, ws, 'dist')
  if (!existsSync(dist)) throw new Error(`${ws}/dist is missing: run \`tsc -b tsconfig.build.json\` first`)
  const inSrc = new Set(files(src))
  for (const f of inSrc) {
    if (SOURCE.test(f)) continue
    mkdirSync(dirname(join(dist, f)), { recursive: true })
    copyFileSync(join(src, f), join(dist, f))
    copied++
  }
  for (const f of files(dist)) {
    if (f.endsWith('.tsbuildinfo')) continue
    const stem = f.replace(EMITTED, '')
    const orphan = stem !== f
      ? !inSrc.has(`${stem}.ts`) && !inSrc.has(`${stem}.tsx`) && !inSrc.has(`${stem}.d.ts`)
      : !inSrc.has(f)
    if (orphan) {
      rmSync(join(dist, f))
      removed++
      process.stderr.write(`removed ${relative(root, join(dist, f))} (its source is gone)\n`)
    }
  }
}
process.stderr.write(`dist: ${copied} file(s) copied from src, ${removed} stale file(s) removed\n`)
