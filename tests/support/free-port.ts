// A free TCP port for servers that cannot bind port 0 themselves and tell us what they got
// (PostgreSQL, InfluxDB, Redis, Mosquitto). The port is free when we return it; the server
// that takes it a moment later can still lose a race, so the helpers retry on "address in use".
import { createServer, type Server } from 'node:net'

function listenOnAnyPort(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ port: 0, host, exclusive: true }, () => resolve(server))
  })
}

function portOf(server: Server): number {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('free-port: socket has no TCP address')
  return address.port
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/** Asks the OS for a free port by binding `host` (default 127.0.0.1) on port 0, then closing. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = await listenOnAnyPort(host)
  const port = portOf(server)
  await close(server)
  return port
}

/** `count` distinct free ports: all sockets are held open together, so no port repeats. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnAnyPort(host))
    return servers.map(portOf)
  } finally {
    await Promise.all(servers.map(close))
  }
}
