/**
 * What a device does when the centre sends it a command [P-3.5][P-3.6], as pure decisions:
 * the acknowledgement, and the message the device sends as a consequence (an intercom
 * call answered or ended, a door unlocked, a test alarm).
 */
import type { Command, IntercomType } from '@eldercare/protocols'

export interface FirmwareState {
  /** device type of the addressed device (a hub answers for its children as if it were them) */
  type: string
  activeCall: { callId: string } | null
}

export interface FirmwareResponse {
  ack: { ok: true } | { ok: false, error: string }
  then?: { intercom?: IntercomType, callId?: string, event?: 'test' }
}

export function firmwareResponse (command: Command, state: FirmwareState): FirmwareResponse {
  switch (command.type) {
    case 'alarm.ack': // the device shows/says "help is coming"
    case 'speak':
    case 'config.set':
      return { ack: { ok: true } }
    case 'test.request': // [P-3.2] a test alarm: proof the device works, never an incident
      return { ack: { ok: true }, then: { event: 'test' } }
    case 'intercom.answer':
    case 'intercom.hangup':
    case 'intercom.unlock': {
      if (state.type !== 'intercom') return { ack: { ok: false, error: 'unsupported' } }
      if (command.type === 'intercom.unlock') return { ack: { ok: true }, then: { intercom: 'door_unlocked', callId: state.activeCall?.callId ?? `unlock-${command.id}` } }
      if (!state.activeCall) return { ack: { ok: false, error: 'no_call' } }
      return { ack: { ok: true }, then: { intercom: command.type === 'intercom.answer' ? 'call_answered' : 'call_ended', callId: state.activeCall.callId } }
    }
    default:
      return { ack: { ok: false, error: 'unsupported' } }
  }
}
