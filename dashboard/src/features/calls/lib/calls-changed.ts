/**
 * A call on this screen ended or was recorded as a visit: the parts that list calls fetch again.
 * The call panel (under the resident card) and the resident's call list live in different parts
 * of the screen; a window event joins them without a shared store.
 */
const CALLS_CHANGED = 'eldercare:calls-changed'

export function announceCallsChanged (): void {
  window.dispatchEvent(new Event(CALLS_CHANGED))
}

/** Calls `fn` on each change; returns the unsubscribe (an effect's cleanup). */
export function onCallsChanged (fn: () => void): () => void {
  window.addEventListener(CALLS_CHANGED, fn)
  return () => { window.removeEventListener(CALLS_CHANGED, fn) }
}
