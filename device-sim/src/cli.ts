/**
 * `device-sim <command> …` — the command line (docs/device-sim.md). Each command lives in
 * commands/<name>.ts and is found through the table in commands/index.ts. Flags are parsed with
 * node:util parseArgs and validated at the boundary; every command exits 0 on success,
 * 1 on a failure while running, 2 on bad input (flags, files).
 */
import { parseArgs } from 'node:util'
import { COMMANDS, type CliIo } from './commands/index.ts'
import { argError, type Flags } from './commands/command.ts'
import { SimError } from './errors.ts'

export { parseDuration, type CliIo } from './commands/index.ts'

const USAGE = `usage: device-sim <command> [flags]

commands:
  provision   register a generated region through the REST API; write the credentials file
  run         play the homes and facilities of a credentials file
  scenario F  play a scripted timeline (YAML or JSON) deterministically
  record      record device messages as an MQTT observer into an NDJSON file
  replay F    re-publish a recording, timing scaled by --speed
  load        N devices at fixed rates; measures alarm latency to incident:opened

common flags:
  -c, --credentials FILE   credentials file (default device-sim.credentials.json)
      --mqtt URL           broker URL (default: the one in the credentials file)
      --json               print the result as JSON
  -h, --help               this text; "device-sim <command> --help" for a command's flags

docs/device-sim.md has examples and the file formats.`

export async function main (argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    io.out.write(USAGE + '\n')
    return name ? 0 : 2
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (!command) {
    io.err.write(`device-sim: unknown command "${name}"\n${USAGE}\n`)
    return 2
  }
  try {
    let parsed
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true })
    } catch (err) {
      throw argError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/, '')}\n${command.help}`)
    }
    const flags = parsed.values as Flags
    if (flags.help) { io.out.write(command.help + '\n'); return 0 }
    const positionals = parsed.positionals
    if (command.takesFile ? positionals.length !== 1 : positionals.length !== 0) {
      throw argError(command.takesFile ? `${name} takes one FILE\n${command.help}` : `${name} takes no positional arguments, got ${positionals.join(' ')}\n${command.help}`)
    }
    return await command.run(flags, positionals[0], io)
  } catch (err) {
    if (err instanceof SimError) {
      io.err.write(`device-sim ${name}: ${err.code}: ${err.message}\n`)
      return err.isInput ? 2 : 1
    }
    io.err.write(`device-sim ${name}: ${(err as Error)?.stack ?? String(err)}\n`)
    return 1
  }
}

/** Entry when run as a program (bin/device-sim.mjs). */
export async function cli (): Promise<void> {
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  const code = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, interrupted })
  process.exitCode = code
  // open sockets of a failed command must not keep the process alive
  setTimeout(() => process.exit(code), 500).unref()
}
