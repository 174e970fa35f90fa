import type { Gateway } from '@eldercare/gateway'
import type { CallTransport } from './service.ts'

/** The gateway of this node as the calls' way to devices [P-3.8] and from them [P-3.3]. */
export function gatewayCallTransport (gateway: Gateway): CallTransport {
  return {
    publishRtc: (deviceId, signal) => gateway.publishRtc(deviceId, signal),
    onRtc: (fn) => { gateway.on('rtc', fn) },
    onIntercom: (fn) => { gateway.on('inbox', (n) => { if (n.kind === 'intercom') fn(n) }) }
  }
}
