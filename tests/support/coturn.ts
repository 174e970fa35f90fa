/**
 * A private coturn TURN server for a test (ENVIRONMENT.md, "coturn"): loopback only, REST-API
 * credentials from a shared secret (`use-auth-secret`), relaying to loopback peers allowed.
 */
import { randomBytes } from 'node:crypto'
import { needs, type Requirement } from './requirements.ts'
import { freePort } from './free-port.ts'
import { canConnect, makeTempDir, spawnServer, waitUntilReady } from './process.ts'

export const TURNSERVER_BIN = '/usr/bin/turnserver'

export function needsCoturn (name = 'coturn'): Requirement {
  return needs(name, TURNSERVER_BIN, 'coturn')
}

export interface CoturnServer {
  port: number
  secret: string
  url: string
  logTail(lines?: number): string
  stop(): Promise<void>
}

export async function startCoturn (): Promise<CoturnServer> {
  const temp = makeTempDir('coturn')
  const port = await freePort()
  const secret = randomBytes(16).toString('hex')
  const proc = spawnServer('turnserver', TURNSERVER_BIN, [
    '-n', '--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '--listening-port', String(port),
    '--min-port', '49160', '--max-port', '65535', '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm', 'test',
    '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--fingerprint', '--log-file', 'stdout', '--simple-log'
  ], { cwd: temp.dir })
  try {
    // turnserver also listens on TCP at the same port: ready when it accepts a connection
    await waitUntilReady(`coturn on port ${port}`, () => canConnect(port), { timeoutMs: 15_000, process: proc })
  } catch (err) {
    await proc.kill('SIGKILL')
    temp.remove()
    throw err
  }
  return {
    port,
    secret,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    logTail: (lines) => proc.logTail(lines),
    async stop () {
      await proc.kill('SIGTERM', 3000)
      temp.remove()
    }
  }
}
