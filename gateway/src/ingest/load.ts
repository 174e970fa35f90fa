import { codes } from '../errors.ts'
import type { Step } from './types.ts'

/** One error for every shed message: an Error per message (its stack trace) was 7 % of the CPU while shedding. */
const OVERLOADED = codes.GW_ERR_OVERLOADED()

/**
 * load: sheds telemetry and status while the gateway is over its bound (LoadLimit), before
 * anything is parsed, so a shed message costs next to nothing. Never an alarm [P-4.1].
 */
export const load: Step = (m, ctx) => {
  if (m.will || !m.session || !m.sheddable) return
  const why = ctx.load.overloaded()
  if (!why) {
    ctx.load.enter()
    m.loadHeld = true
    return
  }
  ctx.load.stats.shed[why]++
  return { ack: 'withhold', error: OVERLOADED, close: false, tell: ctx.load.tell(m.session.id), shed: true }
}
