/**
 * Device protocol v1 conformance checker for device makers.
 *
 *   node --import tsx protocols/conformance/check.ts capture.ndjson    # judge captured messages
 *   mosquitto_sub -v -t 'care/v1/devices/+/#' … | node --import tsx protocols/conformance/check.ts -
 *   node --import tsx protocols/conformance/check.ts --vectors         # run the vectors in this folder
 *
 * A capture line is `{"topic":"care/v1/devices/d1/events","payload":{…}}` (a string payload is
 * taken as the exact text) or `mosquitto_sub -v` output: `topic payload`. Exit code 0 when every
 * message is accepted as sent — nothing dropped, its `ts` usable — (or every vector gives its
 * expected outcome), 1 otherwise, 2 on bad usage.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkDeviceMessage, parseCaptureLine, runVector, type ConformanceFile } from '../src/index.ts'

const VECTOR_DIR = fileURLToPath(new URL('.', import.meta.url))

/** Loads every `*.json` vector file of a folder. */
export function loadVectorFiles (dir = VECTOR_DIR): Array<{ file: string, content: ConformanceFile }> {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, content: JSON.parse(readFileSync(join(dir, file), 'utf8')) as ConformanceFile }))
}

function runVectors (): number {
  let failed = 0
  let total = 0
  for (const { file, content } of loadVectorFiles()) {
    for (const v of content.vectors) {
      total++
      const problem = runVector(content.kind, v)
      if (problem) failed++
      console.log(`${problem ? 'FAIL' : 'ok  '} ${file}: ${v.name}${problem ? ` — ${problem}` : ''}`)
    }
  }
  console.log(`${total - failed}/${total} vectors give their expected outcome`)
  return failed === 0 ? 0 : 1
}

function runCapture (text: string): number {
  let rejected = 0
  let total = 0
  text.split('\n').forEach((line, i) => {
    const rec = parseCaptureLine(line)
    if (!rec) return
    total++
    const v = checkDeviceMessage(rec.topic, rec.payload)
    if (v.ok && v.dropped.length === 0 && v.tsUsable) {
      console.log(`line ${i + 1}: accepted ${v.kind}`)
    } else if (v.ok) {
      // [P-2.3][P-2.3a] the gateway keeps the alarm but answers for what it dropped: firmware to fix
      rejected++
      const notes = v.dropped.map((d) => `${d.code}: ${d.message}`)
      if (!v.tsUsable) notes.push('ts unusable: recorded at the receive time, marked clockSkew')
      console.log(`line ${i + 1}: accepted ${v.kind} with problems — ${notes.join('; ')}`)
    } else {
      rejected++
      console.log(`line ${i + 1}: ${v.code} (ref ${v.ref ?? 'null'}) — ${v.message}`)
    }
  })
  console.log(`${total - rejected}/${total} messages accepted as sent`)
  return rejected === 0 ? 0 : 1
}

function main (args: string[]): number {
  if (args[0] === '--vectors') return runVectors()
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    console.error('usage: check.ts <capture.ndjson | -> | --vectors')
    return 2
  }
  let text: string
  try {
    text = readFileSync(args[0] === '-' ? 0 : args[0], 'utf8')
  } catch (err) {
    console.error(`cannot read ${args[0]}: ${(err as Error).message}`)
    return 2
  }
  return runCapture(text)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2))
