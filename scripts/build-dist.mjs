#!/usr/bin/env node
// `npm run build:packages`: `build-dist.mjs --check`, `tsc -b tsconfig.build.json`, then this
// again, which makes each compiled package's dist/ mirror its src/.
//   - Files tsc does not emit (the platform's SQL migrations, …) are copied from src/ to dist/,
//     so code that finds them next to itself (`new URL('./migrations/', import.meta.url)`)
//     finds them in dist/ too.
//   - What tsc left behind for a source that no longer exists (a renamed module's .js, a
//     deleted migration) is removed: a stale migration in dist/ would still be applied.
// The packages are the workspaces that have a tsconfig.build.json (docs/deployment.md).
//
// First it checks that every workspace whose `exports` point into src/ is wired for production
// everywhere a new package must be named (docs/deployment.md, "A new workspace package"), so a
// forgotten place fails the build with the fix instead of failing the image at run time.
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
const solution = readFileSync(join(root, 'tsconfig.build.json'), 'utf8')
// absent inside the image's build stage (.dockerignore), where there is nothing to check in it
const dockerfile = existsSync(join(root, 'Dockerfile')) ? readFileSync(join(root, 'Dockerfile'), 'utf8') : null
const problems = []
for (const ws of workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'))
  if (!JSON.stringify(manifest.exports ?? {}).includes('./src/')) continue
  const dot = manifest.exports?.['.']
  if (typeof dot !== 'object' || dot['@eldercare/compiled'] === undefined) {
    problems.push(`${ws}/package.json: exports["."] needs { "@eldercare/compiled": "./dist/index.js", "default": "./src/index.ts" }`)
  }
  if (!existsSync(join(root, ws, 'tsconfig.build.json'))) problems.push(`${ws}/tsconfig.build.json is missing (copy gateway/tsconfig.build.json; references = the packages it imports)`)
  if (!solution.includes(`"${ws}/tsconfig.build.json"`)) problems.push(`tsconfig.build.json: add { "path": "${ws}/tsconfig.build.json" } to references`)
  if (dockerfile === null) continue
  if (!dockerfile.includes(`-w ${ws} `) && !dockerfile.includes(`-w ${ws}\n`)) problems.push(`Dockerfile: add -w ${ws} to the runtime stage's npm ci`)
  if (!dockerfile.includes(`COPY --from=build /src/${ws}/dist ${ws}/dist`)) problems.push(`Dockerfile: add COPY --from=build /src/${ws}/dist ${ws}/dist`)
  if (!dockerfile.includes(`COPY ${ws}/package.json ${ws}/`)) problems.push(`Dockerfile: add COPY ${ws}/package.json ${ws}/ to both stages`)
}
if (problems.length > 0) {
  process.stderr.write(`a workspace package is not wired for the production build (docs/deployment.md, "A new workspace package"):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`)
  process.exit(1)
}
// `--check`: only this, before tsc (whose own message for a missing reference is less helpful)
if (process.argv.includes('--check')) process.exit(0)

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
