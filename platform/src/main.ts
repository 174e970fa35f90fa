/**
 * The only module that reads the environment and listens (STYLE.md §6). `npm start` runs it
 * through scripts/embedded-demo.mjs, which hands in device-sim's demo homes; run directly
 * (`node --import tsx platform/src/main.ts`) it is the same node without simulated homes.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig } from './config.ts'
import type { DemoPlayer } from './demo.ts'
import { startEmbedded } from './embedded.ts'
import { createLogger } from './logger.ts'

export async function runMain (opts: { demoPlayer?: DemoPlayer } = {}): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  const logger = createLogger(config.logLevel)
  const node = await startEmbedded({ config, logger, demoPlayer: opts.demoPlayer })
  // operator-api.md: one JSON line with "msg":"listening" and the bound ports.
  logger.info({ http: node.ports.http, mqtt: node.ports.mqtt, mqttWs: node.ports.mqttWs, mqttTls: node.ports.mqttTls }, 'listening')

  const url = `http://localhost:${node.ports.http}/`
  const lines = [
    '',
    `  控制台 Console:  ${url}`,
    `  API 文档 Docs:   ${url}docs`,
    `  设备接入 MQTT:   mqtt://localhost:${node.ports.mqtt}` + (node.ports.mqttWs ? `  ws://localhost:${node.ports.mqttWs}/mqtt` : ''),
    node.admin.generatedPassword
      ? `  登录 Login:      ${node.admin.username} / ${node.admin.generatedPassword}   (generated once: note it now)`
      : `  登录 Login:      ${node.admin.username} / ${node.admin.created ? '(ADMIN_PASSWORD)' : '(the password set on first start)'}`,
    node.demo ? '  演示 Demo:       simulated homes are sending vitals and an occasional fall (DEMO=off to disable)' : '',
    ''
  ]
  process.stderr.write(lines.filter((l, i) => l !== '' || i === 0 || i === lines.length - 1).join('\n') + '\n')

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down')
    node.close().then(() => process.exit(0), () => process.exit(1))
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

export function failedToStart (err: unknown): never {
  process.stderr.write(`failed to start: ${(err as Error)?.stack ?? err}\n`)
  process.exit(1)
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) runMain().catch(failedToStart)
