/**
 * Scaled mode on real servers for a test: two platform nodes and one standalone gateway
 * sharing a real PostgreSQL and joined through a real Redis (ARCHITECTURE.md, "Runtime modes").
 */
import pg from 'pg'
import { Gateway, type GatewayOptions } from '@eldercare/gateway'
import { startPostgres, type PostgresServer } from './postgres.ts'
import { startRedis, type RedisServer } from './redis.ts'
import { startTestPlatform, type TestPlatform } from './platform.ts'

export interface TestCluster {
  nodeA: TestPlatform
  nodeB: TestPlatform
  /** the standalone gateway devices connect to */
  edge: Gateway
  edgePort: number
  /** the shared database */
  pool: pg.Pool
  /** the Redis joining them (halt()/resume() to take it away) */
  redis: RedisServer
  stop(): Promise<void>
}

export interface ClusterOptions {
  /** Redis keeps its data across halt()/resume(), as production runs it (docker-compose.yml: appendonly) */
  persistentRedis?: boolean
  /** overrides for both platform nodes (their app and their embedded gateway) */
  node?: Parameters<typeof startTestPlatform>[1]
  /** overrides for the standalone gateway */
  edge?: Partial<Omit<GatewayOptions, 'sql' | 'redisUrl'>>
}

/** Node A runs the migrations and creates the administrator; `database` names the database. */
export async function startCluster (database: string, opts: ClusterOptions = {}): Promise<TestCluster> {
  let postgres: PostgresServer | undefined
  let redis: RedisServer | undefined
  const parts: Partial<TestCluster> = {}
  const stop = async () => {
    await parts.edge?.close()
    await parts.pool?.end()
    await parts.nodeA?.close()
    await parts.nodeB?.close()
    await redis?.stop()
    await postgres?.stop()
  }
  try {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis({ persistent: opts.persistentRedis })])
    const env = { DATABASE_URL: await postgres.createDatabase(database), REDIS_URL: redis.url }
    parts.nodeA = await startTestPlatform(env, opts.node)
    parts.nodeB = await startTestPlatform(env, opts.node)
    const pool = parts.pool = new pg.Pool({ connectionString: env.DATABASE_URL })
    parts.edge = new Gateway({ sql: { query: async (sql, params) => { const r = await pool.query(sql, params); return { rows: r.rows, rowCount: r.rowCount ?? 0 } } }, redisUrl: redis.url, ...opts.edge })
    parts.edgePort = (await parts.edge.listen({ host: '127.0.0.1', mqttPort: 0 })).mqtt
    return { ...(parts as Omit<TestCluster, 'stop' | 'redis'>), redis, stop }
  } catch (err) {
    await stop().catch(() => {})
    throw err
  }
}
