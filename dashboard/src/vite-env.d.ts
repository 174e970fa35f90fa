/// <reference types="vite/client" />

interface Window {
  /**
   * How many alarm sounds the console has started since load. Browser tests read it because
   * headless Chromium gives no way to hear whether the Web Audio tone actually played.
   */
  __alarmSoundsPlayed?: number
  /** incident:opened/updated events this page received over socket.io (browser tests read it). */
  __incidentEventsReceived?: number
}
