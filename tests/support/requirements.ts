// What a test needs from the machine, and the one rule for when it is missing:
//
//   * on CI (`process.env.CI === 'true'`) a missing browser or Debian package FAILS the test file,
//     with the `apt-get install` line that fixes it — CI must never go green by skipping;
//   * on a developer machine the tests are SKIPPED, with a console message naming the package.
//
// Usage — one line per test file, at top level so it runs while the file is collected:
//
//   const pg = needs('postgres', '/usr/lib/postgresql/15/bin/postgres', 'postgresql')
//   describe.skipIf(!pg.ok)('incident store on PostgreSQL', () => { … })
//
// Each server helper exports a ready-made one (needsPostgres(), needsInflux(), needsRedis(),
// needsMosquitto(), needsChromium()), and needsAll() joins several:
//
//   const deps = needsAll('gateway on real stores', [needsPostgres(), needsRedis()])
//
// On CI, needs() throws while the file is collected, so Vitest reports the file as failed with
// that message; `describe.skipIf(!x.ok)` is then never reached.
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

/** True when running under CI (`CI=true`), where missing requirements are failures. */
export function isCI(): boolean {
  return process.env.CI === 'true'
}

// Debian keeps some daemons in sbin (mosquitto), which a non-root PATH may lack.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin']

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** Where `binary` (an absolute path, or a command name looked up in PATH and sbin) is, if anywhere. */
export function findBinary(binary: string): string | undefined {
  if (isAbsolute(binary) || binary.includes('/')) return isExecutableFile(binary) ? binary : undefined
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS]
  for (const dir of dirs) {
    const candidate = join(dir, binary)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}

/** Whether `binary` is installed; when not, `reason` names the Debian package that provides it. */
export function requireBinary(binary: string, debianPackage: string): { available: boolean; reason?: string } {
  if (findBinary(binary) !== undefined) return { available: true }
  return { available: false, reason: `${binary} not found: install it with \`apt-get install -y ${debianPackage}\`` }
}

export interface Requirement {
  /** Whether everything needed is there; use as `describe.skipIf(!req.ok)`. */
  readonly ok: boolean
  /** What needs it, for messages. */
  readonly name: string
  /** The Debian packages to install, empty when ok. */
  readonly missingPackages: readonly string[]
  /** Why not ok (one line per missing binary). */
  readonly reason?: string
}

/** Thrown on CI when a requirement is missing. */
export class MissingRequirementError extends Error {
  readonly code = 'TEST_ERR_MISSING_REQUIREMENT'
  constructor(readonly requirement: Requirement) {
    super(
      `${requirement.name}: required on CI but missing:\n${requirement.reason}\n` +
        `Fix: apt-get install -y ${requirement.missingPackages.join(' ')} (see .ci/run)`
    )
    this.name = 'MissingRequirementError'
  }
}

function enforce(requirement: Requirement): Requirement {
  if (requirement.ok) return requirement
  if (isCI()) throw new MissingRequirementError(requirement)
  // The reason names the apt-get line; one message per missing requirement, printed at collection.
  console.warn(`[skip] ${requirement.name}: ${requirement.reason}`)
  return requirement
}

function check(name: string, binaries: ReadonlyArray<readonly [binary: string, debianPackage: string]>): Requirement {
  const missing = binaries
    .map(([binary, pkg]) => ({ pkg, result: requireBinary(binary, pkg) }))
    .filter(({ result }) => !result.available)
  return {
    ok: missing.length === 0,
    name,
    missingPackages: [...new Set(missing.map(({ pkg }) => pkg))],
    reason: missing.length === 0 ? undefined : missing.map(({ result }) => result.reason).join('\n')
  }
}

/**
 * `name` needs `binary` from Debian's `debianPackage`. Missing: throws on CI (the test file
 * fails), warns and returns `{ok: false}` elsewhere (use with `describe.skipIf(!req.ok)`).
 */
export function needs(name: string, binary: string, debianPackage: string): Requirement {
  return enforce(check(name, [[binary, debianPackage]]))
}

/** Like needs() for several binaries at once, or to join requirements already checked. */
export function needsAll(
  name: string,
  parts: ReadonlyArray<readonly [binary: string, debianPackage: string] | Requirement>
): Requirement {
  const binaries = parts.filter((p): p is readonly [string, string] => Array.isArray(p))
  const joined = parts.filter((p): p is Requirement => !Array.isArray(p))
  // Joined requirements were enforced when they were made (thrown on CI, warned elsewhere).
  const own = enforce(check(name, binaries))
  const failing = [own, ...joined].filter((r) => !r.ok)
  if (failing.length === 0) return own
  return {
    ok: false,
    name,
    missingPackages: [...new Set(failing.flatMap((r) => r.missingPackages))],
    reason: failing.map((r) => r.reason).join('\n')
  }
}
