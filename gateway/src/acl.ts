import { parseDeviceTopic, isUpstreamKind, type ParsedTopic } from '@eldercare/protocols'

/** The authenticated device behind one MQTT connection. */
export interface DeviceSession {
  id: string
  type: string
  /** devices this one may act for: itself, and for a hub its registered children [P-1.5] */
  actsFor: ReadonlySet<string>
}

export type AclDecision = { ok: true, topic: ParsedTopic } | { ok: false, reason: string }

/** [P-2.5] A device publishes only upstream topics under its own id (a hub also its children's). */
export function checkPublish (session: DeviceSession, topic: string, parsed: ParsedTopic | null = parseDeviceTopic(topic)): AclDecision {
  if (!parsed) return { ok: false, reason: `"${topic}" is not a device topic of protocol v1` }
  if (!isUpstreamKind(parsed.kind)) return { ok: false, reason: `devices may not publish on ${parsed.kind}` }
  if (!session.actsFor.has(parsed.deviceId)) return { ok: false, reason: `device ${session.id} may not publish for ${parsed.deviceId}` }
  // The session's own string from here on: the id cut from the topic is a view of the whole topic
  // string in V8, and would keep it alive wherever the id is held for a while (a reading waiting
  // for its batch), moving both to the old generation (issue 11).
  if (parsed.deviceId === session.id) parsed.deviceId = session.id
  return { ok: true, topic: parsed }
}

/** [P-2.5] A device subscribes only to its own commands, errors and rtc/down [P-3.8] (a hub also its children's), no wildcards. */
export function checkSubscribe (session: DeviceSession, topic: string): AclDecision {
  if (topic.includes('+') || topic.includes('#')) return { ok: false, reason: 'wildcard subscriptions are not allowed for devices' }
  const parsed = parseDeviceTopic(topic)
  if (!parsed) return { ok: false, reason: `"${topic}" is not a device topic of protocol v1` }
  if (parsed.kind !== 'commands' && parsed.kind !== 'errors' && parsed.kind !== 'rtc/down') return { ok: false, reason: `devices may subscribe only to commands, errors and rtc/down, not ${parsed.kind}` }
  if (!session.actsFor.has(parsed.deviceId)) return { ok: false, reason: `device ${session.id} may not subscribe for ${parsed.deviceId}` }
  return { ok: true, topic: parsed }
}
