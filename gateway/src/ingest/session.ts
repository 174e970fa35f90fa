import { codes } from '../errors.ts'
import type { Step } from './types.ts'

const WILL_STATUS_TOPIC = /^care\/v1\/devices\/[^/]+\/status$/

/**
 * [P-1.2][P-1.5] session: the device authenticated at CONNECT (see ../connect.ts); a hub acts for
 * its children. An observer never publishes: its connection is closed. A will published after its
 * client is gone carries no session: only a device's own `status` is let through [P-1.4].
 */
export const session: Step = (m, ctx) => {
  if (ctx.observers.session(m.client)) return { ack: 'withhold', error: codes.GW_ERR_OBSERVER_PUBLISH(), close: true }
  const s = m.client ? ctx.sessions.get(m.client) : undefined
  if (s) {
    m.session = s
    // a will is published as its connection closes: it is exempt from the allowance
    m.will = m.client!.closed
    return
  }
  if (!m.client && WILL_STATUS_TOPIC.test(m.packet.topic)) {
    m.will = true
    m.deviceId = m.packet.topic.split('/')[3]
    m.kind = 'status'
    return
  }
  return { ack: 'puback', outcome: 'rejected', error: codes.GW_ERR_NO_SESSION(m.client?.id ?? 'a will'), tell: false }
}
