/**
 * Desktop notifications for alarms that arrive while the console's tab is hidden (the operator
 * is in another window): the sound may be missed in a noisy room, a notification stays on screen.
 * Permission is asked from a user gesture (sign-in), as browsers require.
 */

/** Asks for permission once, when the browser has not been told yet. Safe to call anywhere. */
export function requestNotificationPermission (): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return
  void Notification.requestPermission().catch(() => {})
}

export interface AlarmNotice {
  /** Replaces an earlier notice with the same tag instead of stacking. */
  tag: string
  title: string
  body: string
  /** Stay until dismissed (P1). */
  sticky: boolean
}

/** Shows `notice` only while the page is hidden and permission is granted; true when shown. */
export function notifyIfHidden (notice: AlarmNotice): boolean {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || !document.hidden) return false
  try {
    const n = new Notification(notice.title, { body: notice.body, tag: notice.tag, requireInteraction: notice.sticky })
    n.onclick = () => { window.focus(); n.close() }
    return true
  } catch {
    // Some browsers allow notifications only from a service worker; the sound still plays.
    return false
  }
}
