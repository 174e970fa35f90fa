/**
 * The standalone gateway's small HTTP listener (GATEWAY_HTTP_PORT, docs/gateway.md "Operations
 * HTTP"): devices never use it. `GET /metrics` serves the same figures the embedded platform
 * exposes for its gateway part (metrics.ts), behind METRICS_TOKEN as the platform's /metrics;
 * `GET /live` and `GET /ready` are for HAProxy and orchestrators. node:http, not Fastify: three
 * fixed routes, and the pieces that are one idea with the platform's (the bearer check, the
 * registry, the readiness checks) come from common/ and metrics.ts.
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bearerCheck, runHealthChecks, type HealthCheck } from '@eldercare/common'
import type { Registry } from 'prom-client'

export interface GatewayHttpOptions {
  host: string
  /** 0 = any free port */
  port: number
  registry: Registry
  /** when set, GET /metrics needs `Authorization: Bearer <token>` (METRICS_TOKEN) */
  metricsToken: string | null
  /** readiness: every check must answer (the database; in scaled mode the cluster relay) */
  readiness: Record<string, HealthCheck>
}

export interface GatewayHttp {
  port: number
  close(): Promise<void>
}

export async function startGatewayHttp (opts: GatewayHttpOptions): Promise<GatewayHttp> {
  const authorized = bearerCheck(opts.metricsToken)
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body))
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return json(res, 405, { error: 'method_not_allowed', message: `${req.method} is not served here; use GET` })
    }
    const answer = async () => {
      switch (path) {
        // liveness asks no component: a database outage makes the gateway unready, not a restart candidate
        case '/live': return json(res, 200, { status: 'ok' })
        case '/ready': {
          const report = await runHealthChecks(opts.readiness)
          return json(res, report.status === 'ok' ? 200 : 503, report)
        }
        case '/metrics':
          if (!authorized(req.headers.authorization)) {
            res.setHeader('www-authenticate', 'Bearer')
            return json(res, 401, { error: 'unauthorized', message: 'send Authorization: Bearer <METRICS_TOKEN>' })
          }
          res.writeHead(200, { 'content-type': opts.registry.contentType }).end(await opts.registry.metrics())
          return
        default: return json(res, 404, { error: 'not_found', message: `${path} is not served here: GET /metrics, /live or /ready` })
      }
    }
    answer().catch((err: Error) => { if (!res.headersSent) json(res, 500, { error: 'internal', message: err.message }); else res.destroy() })
  })
  // a scraper or a balancer's probe holds no connection open for long
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 15_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve() })
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}
