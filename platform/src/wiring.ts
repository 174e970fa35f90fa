/**
 * Joins the gateway's events to the platform in one process — the only place they meet
 * (embedded.ts builds both and calls this once):
 *   inbox        → app.engine.wake()                    (a durable alarm row: the engine runs at once)
 *   inboxPosted  → app.engine.wake()                    (embedded database: the engine's claim queued behind the insert)
 *   commandAck   → app.response.effects.commandAnswered  ([P-3.6] on the incident's timeline)
 *   deviceStatus → app.realtime.emitDeviceStatus        (to the device's area rooms)
 *   position     → app.positions.follow                  (open incidents follow a fresher position; issue 15)
 *   and back: an announced active incident with a position → gateway.watchPositions (scaled: every
 *   gateway relays that wearer's positions from then on, so the incident follows them at once)
 */
import type { FastifyInstance } from 'fastify'
import { BatchLookup, type Gateway } from '@eldercare/gateway'
import { incidentFeed } from './features/supervision/integrations.ts'

export interface Wiring {
  /** Forgets the cached area of a device (it moved: its status now goes to another area's rooms). */
  forgetDevice (deviceId: string): void
}

export function wireGateway (app: FastifyInstance, gateway: Gateway): Wiring {
  // A new inbox row wakes the engine at once (the engine also polls, for rows of other processes).
  //
  // On the embedded database the engine is woken sooner: when the group's insert is handed to
  // PGlite, not when its commit is answered (issue 11). PGlite's worker runs the alarm lane's
  // statements one at a time in the order posted, so the claim the engine posts now (or, while a
  // pass runs, at the start of its next pass) runs right after the insert has committed, and sees
  // its rows: one trip of the answer to this thread and of the claim back to the worker fewer per
  // fall. The commit's notice then need not wake the engine again — doing so cost an empty claim
  // per fall, a transaction holding the lock the next insert waits for (fourth session). On
  // PostgreSQL the claim could run on another connection before the insert commits and miss its
  // rows, so there the notice wakes it, as before. Derived alarms (detection) are not written by
  // the group commit (no `posted`): their notice wakes the engine.
  const claimAhead = app.db.kind === 'pglite'
  if (claimAhead) gateway.on('inboxPosted', () => app.engine.wake())
  gateway.on('inbox', (n) => {
    app.engine.trace.noticed(n)
    if (!(claimAhead && n.posted)) app.engine.wake()
  })

  // Upper platforms' MQTT feed (issue 16): each announced incident, masked, QoS 1, on the broker.
  incidentFeed(app, (topic, payload) => new Promise<void>((resolve, reject) => {
    gateway.broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => { if (err) reject(err); else resolve() })
  }))

  const areaPaths = new Map<string, string>()
  // a connect storm of 10,000 devices is a few statements, not one per device (issue 11: ~450
  // statements a second had queued ahead of every other statement of the embedded database)
  const areaLookups = new BatchLookup(async (ids) => {
    const { rows } = await app.db.query<{ id: string, path: string }>(
      'select d.id, a.path from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where d.id = any($1::text[])', [ids])
    return new Map(rows.map((r) => [r.id, r.path]))
  })
  gateway.on('deviceStatus', (status) => {
    const cached = areaPaths.get(status.id)
    const emit = (path: string) => app.realtime.emitDeviceStatus(status, path)
    if (cached) return emit(cached)
    areaLookups.get(status.id)
      .then((path) => { if (path) { areaPaths.set(status.id, path); emit(path) } })
      .catch((err) => app.log.warn({ err, deviceId: status.id }, 'device status not announced'))
  })

  gateway.on('commandAck', (ack) => {
    app.response.effects.commandAnswered(ack).catch((err) => app.log.warn({ err, commandId: ack.commandId }, 'command ack not recorded on incident'))
  })
  // Embedded: every fresher position; scaled: a watched wearer's, from whichever gateway holds the
  // wearable (every node hears it; `follow` moves each incident once, under its row lock).
  gateway.on('position', (p) => {
    app.positions.follow(p, (tx, id, kind, data) => app.incidents.addTimeline(tx, id, kind, null, null, data))
      .then((ids) => Promise.all(ids.map((id) => app.response.effects.announce(id))))
      .catch((err) => app.log.warn({ err, deviceId: p.deviceId }, 'incident position not updated'))
  })
  app.realtime.onIncident((event, incident) => {
    if (incident.position && incident.residentId && incident.status !== 'resolved' && incident.status !== 'closed_false_alarm') {
      gateway.watchPositions(incident.residentId, event === 'incident:opened')
    }
  })
  return { forgetDevice: (deviceId) => { areaPaths.delete(deviceId) } }
}
