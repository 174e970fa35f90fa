/**
 * The scaled stack's launcher (tests/support/scaled-stack.ts) and a port taken from under it: a
 * node's ports are picked just before its first start, and when another socket took one meanwhile
 * ("address already in use", seen once in `bench:alarms --mode scaled`: a port picked early was
 * taken by another process's outgoing connection) the first start picks other ports and tries
 * again; a restart keeps the ports HAProxy knows. A real platform node on a real PostgreSQL.
 */
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePorts } from '../support/free-port.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { ScaledNode, STACK_DATA_KEY } from '../support/scaled-stack.ts'
import { ADMIN } from '../support/platform.ts'

const req = needsPostgres()

describe.skipIf(!req.ok)('a scaled node whose port was taken before it started', () => {
  let postgres: PostgresServer
  let taken: Server
  let node: ScaledNode | undefined

  beforeAll(async () => {
    postgres = await startPostgres()
    taken = createServer()
    await new Promise<void>((resolve) => taken.listen({ port: 0, host: '127.0.0.1' }, resolve))
  })

  afterAll(async () => {
    await node?.stop()
    await new Promise((resolve) => taken?.close(resolve))
    await postgres?.stop()
  })

  it('picks other ports and starts; a restart keeps them', async () => {
    const takenPort = (taken.address() as { port: number }).port
    const picks: number[][] = []
    const pick = async (count: number) => {
      const ports = picks.length === 0 ? [takenPort] : await freePorts(count)
      picks.push(ports)
      return ports
    }
    const env = {
      DATABASE_URL: await postgres.createDatabase('scaled_node_ports'),
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      DATA_KEY: STACK_DATA_KEY
    }
    node = new ScaledNode('platform-ports', 'platform', env, undefined, ['HTTP_PORT'], pick)
    await node.start()

    expect(picks.length).toBe(2)
    const port = Number(node.env.HTTP_PORT)
    expect(port).toBe(picks[1][0])
    expect(port).not.toBe(takenPort)
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200)

    await node.crash()
    await node.start()
    expect(picks.length).toBe(2)
    expect(Number(node.env.HTTP_PORT)).toBe(port)
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200)
  }, 180_000)
})
