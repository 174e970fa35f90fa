/**
 * Joins the gateway's events to the platform in one process — the only place they meet
 * (embedded.ts builds both and calls this once):
 *   inbox        → app.engine.wake()                    (a durable alarm row: the engine runs at once)
 *   commandAck   → app.response.effects.commandAnswered  ([P-3.6] on the incident's timeline)
 *   deviceStatus → app.realtime.emitDeviceStatus        (to the device's area rooms)
 *   position     → app.positions.follow                  (open incidents follow a fresher position; issue 15)
 */
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '@eldercare/gateway'
import { incidentFeed } from './features/supervision/integrations.ts'

export interface Wiring {
  /** Forgets the cached area of a device (it moved: its status now goes to another area's rooms). */
  forgetDevice (deviceId: string): void
}

export function wireGateway (app: FastifyInstance, gateway: Gateway): Wiring {
  // A new inbox row wakes the engine at once (the engine also polls, for rows of other processes).
  gateway.on('inbox', (n) => { app.engine.trace.noticed(n); app.engine.wake() })

  // Upper platforms' MQTT feed (issue 16): each announced incident, masked, QoS 1, on the broker.
  incidentFeed(app, (topic, payload) => new Promise<void>((resolve, reject) => {
    gateway.broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => { if (err) reject(err); else resolve() })
  }))

  const areaPaths = new Map<string, string>()
  gateway.on('deviceStatus', (status) => {
    const cached = areaPaths.get(status.id)
    const emit = (path: string) => app.realtime.emitDeviceStatus(status, path)
    if (cached) return emit(cached)
    app.db.query<{ path: string }>('select a.path from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where d.id = $1', [status.id])
      .then(({ rows }) => { if (rows[0]) { areaPaths.set(status.id, rows[0].path); emit(rows[0].path) } })
      .catch((err) => app.log.warn({ err, deviceId: status.id }, 'device status not announced'))
  })

  gateway.on('commandAck', (ack) => {
    app.response.effects.commandAnswered(ack).catch((err) => app.log.warn({ err, commandId: ack.commandId }, 'command ack not recorded on incident'))
  })
  gateway.readings?.positions.on('position', (p) => {
    app.positions.follow(p, (tx, id, kind, data) => app.incidents.addTimeline(tx, id, kind, null, null, data))
      .then((ids) => Promise.all(ids.map((id) => app.response.effects.announce(id))))
      .catch((err) => app.log.warn({ err, deviceId: p.deviceId }, 'incident position not updated'))
  })
  return { forgetDevice: (deviceId) => { areaPaths.delete(deviceId) } }
}
