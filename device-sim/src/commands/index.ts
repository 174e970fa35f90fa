/** The dispatch table of `device-sim <command>`: one file per command, in the order USAGE lists them. */
import type { Command } from './command.ts'
import { load } from './load.ts'
import { provision } from './provision.ts'
import { record } from './record.ts'
import { replay } from './replay.ts'
import { run } from './run.ts'
import { scenario } from './scenario.ts'

export const COMMANDS: Readonly<Record<string, Command>> = { provision, run, scenario, record, replay, load }

export { parseDuration, type CliIo, type Command } from './command.ts'
