/** Joins the gateway's facts to the platform's engine and realtime channel in one process. */
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '@eldercare/gateway'
import { publicDto } from './features/incidents/service.ts'

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

  // [P-3.6] an answered command goes on its incident's timeline — once, although in scaled
  // mode every platform node hears the answer: the first to take the command's lock records it.
  gateway.on('commandAck', (ack) => {
    void (async () => {
      const cmd = await app.commands.get(ack.commandId)
      if (!cmd?.incidentId) return
      const incidentId = cmd.incidentId
      const kind = ack.ok ? 'command_acked' : 'command_failed'
      const recorded = await app.db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(hashtext($1))', [cmd.id])
        const seen = await tx.query(`select 1 from incident_timeline where incident_id = $1 and kind = $2 and data->>'commandId' = $3`, [incidentId, kind, cmd.id])
        if (seen.rows.length > 0) return false
        await app.incidents.addTimeline(tx, incidentId, kind, null, null,
          { commandId: cmd.id, type: cmd.type, deviceId: ack.deviceId, ...(ack.error ? { error: ack.error } : {}) })
        await tx.query('update incidents set updated_at = now() where id = $1', [incidentId])
        return true
      })
      if (!recorded) return
      const inc = await app.incidents.get(incidentId, '/')
      app.realtime.emitIncident('incident:updated', publicDto(inc), inc.areaPath)
    })().catch((err) => app.log.warn({ err, commandId: ack.commandId }, 'command ack not recorded on incident'))
  })
  return { forgetDevice: (deviceId) => { areaPaths.delete(deviceId) } }
}
