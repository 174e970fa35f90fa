import type { UpstreamKind } from '@eldercare/protocols'
import { checkPublish } from '../acl.ts'
import { codes } from '../errors.ts'
import type { Step } from './types.ts'

/**
 * [P-2.5] acl: a device publishes only upstream topics under its own id (a hub also its
 * children's [P-1.5]); anything else is answered `unauthorized_topic` and PUBACKed (resending
 * the same topic cannot help), logged with the device id.
 */
export const acl: Step = (m) => {
  if (!m.session) return // a will's topic was checked by the session step
  const decision = checkPublish(m.session, m.packet.topic, m.topic) // parsed by the rate step
  if (!decision.ok) return { ack: 'puback', outcome: 'rejected', error: codes.GW_ERR_UNAUTHORIZED_TOPIC(decision.reason) }
  m.deviceId = decision.topic.deviceId
  m.kind = decision.topic.kind as UpstreamKind
}
