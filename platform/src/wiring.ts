/**
 * Joins the gateway's events to the platform in one process — the only place they meet
 * (embedded.ts builds both and calls this once):
 *   inbox        → app.engine.wake()                    (a durable alarm row: the engine runs at once)
 *   commandAck   → app.response.effects.commandAnswered  ([P-3.6] on the incident's timeline)
 *   deviceStatus → app.realtime.emitDeviceStatus        (to the device's area rooms)
 */
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '@eldercare/gateway'

export interface Wiring {
  /** Forgets the cached area of a device (it moved: its status now goes to another area's rooms). */
  forgetDevice (deviceId: string): void
}

export function wireGateway (app: FastifyInstance, gateway: Gateway): Wiring {
  // A new inbox row wakes the engine at once (the engine also polls, for rows of other processes).
  gateway.on('inbox', () => app.engine.wake())

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
  return { forgetDevice: (deviceId) => { areaPaths.delete(deviceId) } }
}
