/**
 * What a connection's MQTT parser costs per telemetry PUBLISH with each byte list (issue 11,
 * src/parser-idle.ts): mqtt-packet's own `bl()` stream, a plain BufferList, and ParserBytes.
 * Each variant runs in a process of its own (they share mqtt-packet's code, and one JIT state
 * would colour the others), the variants taking turns, `--runs` times each; 1,000 connections'
 * parsers, 10,000 distinct messages of one chunk each, 500,000 parsed after 100,000 to warm up.
 * Prints the CPU per message and the young-generation collections per 100,000 messages (what
 * the parser allocates) for each run, and the medians.
 *
 *   npx tsx gateway/bench/parser-bytes.ts [--runs 3]
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { PerformanceObserver } from 'node:perf_hooks'
import { BufferList } from 'bl'
import mqttPacket from 'mqtt-packet'
import { releaseIdlePacket, type MqttPacketParser } from '../src/parser-idle.ts'

const VARIANTS = ['bl-stream', 'bufferlist', 'parserbytes'] as const
type Variant = typeof VARIANTS[number]

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, variant: { type: 'string' } } })

if (values.variant !== undefined) {
  const variant = values.variant as Variant
  if (!VARIANTS.includes(variant)) throw new Error(`--variant must be one of ${VARIANTS.join(', ')}, not ${values.variant}`)
  const msgs = Array.from({ length: 10_000 }, (_, i) => mqttPacket.generate({
    cmd: 'publish', topic: `care/v1/devices/dev-${String(i).padStart(8, '0')}/telemetry`, qos: 1, messageId: i + 1, retain: false, dup: false,
    payload: Buffer.from(JSON.stringify({ id: `m${i}`, ts: 1_796_237_204_074 + i, vitals: { hr: 60 + i % 40, spo2: 95 + i % 5 } }))
  }))
  const make = (): MqttPacketParser => {
    const p = mqttPacket.parser() as unknown as MqttPacketParser
    if (variant === 'bufferlist') p._list = new BufferList() as unknown as MqttPacketParser['_list']
    if (variant === 'parserbytes') releaseIdlePacket(p)
    return p
  }
  const parsers = Array.from({ length: 1000 }, make)
  let parsed = 0
  for (const p of parsers) (p as unknown as { on(e: 'packet', f: () => void): void }).on('packet', () => { parsed++ })
  const round = (times: number): void => { for (let k = 0; k < times; k++) for (let i = 0; i < msgs.length; i++) parsers[i % parsers.length]!.parse(msgs[i]!) }
  round(10)
  let scavenges = 0
  const gcs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if ((e.detail as { kind?: number } | undefined)?.kind === 1) scavenges++ })
  gcs.observe({ entryTypes: ['gc'] })
  const cpu = process.cpuUsage()
  round(50)
  const userNs = process.cpuUsage(cpu).user * 1000
  await new Promise((resolve) => setTimeout(resolve, 20)) // the last gc entries
  gcs.disconnect()
  if (parsed !== 600_000) throw new Error(`parsed ${parsed} messages, not 600,000`)
  process.stdout.write(JSON.stringify({ variant, nsPerMsg: Math.round(userNs / 500_000), scavengesPer100k: Math.round(scavenges / 5 * 10) / 10 }) + '\n')
} else {
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`)
  const results: Record<Variant, Array<{ nsPerMsg: number, scavengesPer100k: number }>> = { 'bl-stream': [], bufferlist: [], parserbytes: [] }
  for (let r = 0; r < runs; r++) {
    for (const variant of VARIANTS) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--variant', variant], { encoding: 'utf8' })
      const line = JSON.parse(out.trim().split('\n').pop()!) as { nsPerMsg: number, scavengesPer100k: number }
      results[variant].push(line)
      process.stdout.write(`run ${r + 1}  ${variant.padEnd(12)} ${String(line.nsPerMsg).padStart(6)} ns CPU / message   ${line.scavengesPer100k} scavenges / 100k messages\n`)
    }
  }
  const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }
  process.stdout.write('\nmedians\n')
  for (const variant of VARIANTS) {
    process.stdout.write(`  ${variant.padEnd(12)} ${String(median(results[variant].map((x) => x.nsPerMsg))).padStart(6)} ns CPU / message   ${median(results[variant].map((x) => x.scavengesPer100k))} scavenges / 100k messages\n`)
  }
}
