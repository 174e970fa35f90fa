import { Counter, Histogram } from 'prom-client'
import type { Db } from '../../db/db.ts'
import type { AlarmTrace } from '../incidents/trace.ts'
import type { MetricsSource } from './routes.ts'

/** Fine buckets where the alarm path lives (sub-ms to tens of ms), coarse beyond. */
const BUCKETS = [0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5]

/**
 * Where an alarm's milliseconds go (issue 11): the alarm path's stages, measured from the
 * PUBLISH's arrival (features/incidents/trace.ts), and every database statement's wait in its
 * lane and its call (db.ts), by lane — `tx` for statements inside a transaction.
 */
export function alarmPathMetrics (trace: AlarmTrace, db: Db): MetricsSource {
  return (registry) => {
    const stages = new Histogram({
      name: 'eldercare_alarm_path_seconds',
      help: 'Time from an alarm PUBLISH reaching the gateway to each stage of its way to the consoles: inbox_committed, engine_claimed, engine_committed, emitted',
      labelNames: ['stage'],
      buckets: BUCKETS,
      registers: [registry]
    })
    trace.observe = (stage, seconds) => stages.observe({ stage }, seconds)
    const wait = new Histogram({
      name: 'eldercare_db_statement_wait_seconds',
      help: 'Time a statement waited before the database took it: in its priority lane (embedded database) or for a connection of the pool (PostgreSQL; tx: a transaction\'s, with its begin)',
      labelNames: ['lane'],
      buckets: BUCKETS,
      registers: [registry]
    })
    const call = new Histogram({
      name: 'eldercare_db_statement_seconds',
      help: 'Time from handing a statement to the database until its answer was back on the event loop, by lane (tx: inside a transaction)',
      labelNames: ['lane'],
      buckets: BUCKETS,
      registers: [registry]
    })
    const count = new Counter({ name: 'eldercare_db_statements_total', help: 'Statements by lane', labelNames: ['lane'], registers: [registry] })
    db.onStatement = (t) => {
      wait.observe({ lane: t.lane }, t.waitS)
      call.observe({ lane: t.lane }, t.callS)
      count.inc({ lane: t.lane })
    }
  }
}
