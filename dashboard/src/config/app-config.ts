/**
 * Every tunable of the console in one place, with its unit in the name. Nothing here is read
 * from the environment: the console is static files served by the platform, same origin.
 */
export const appConfig = {
  /** Language shown before the operator picks one. */
  defaultLocale: 'zh-CN',
  /** How often SLA countdowns repaint, in milliseconds (1 s). */
  clockTickMs: 1000,
  /** Gap between repeats of the P1 alarm while any P1 is still unacknowledged, in milliseconds (5 s). */
  p1RepeatIntervalMs: 5000,
  /** socket.io reconnection backoff: first delay, in milliseconds (1 s). */
  reconnectDelayMs: 1000,
  /** socket.io reconnection backoff: longest delay, in milliseconds (10 s). */
  reconnectDelayMaxMs: 10_000,
  /**
   * After the server refuses the realtime connection (e.g. a revoked token), wait this long before
   * checking the session and trying again, in milliseconds (5 s). socket.io does not retry a refusal.
   */
  refusedRetryDelayMs: 5000,
  /** How often a sent device command is read again until the device answers, in milliseconds (1 s). */
  commandPollIntervalMs: 1000,
  /** When the console stops asking about a command the platform still calls `sent`, in milliseconds (2 min). */
  commandPollGiveUpMs: 120_000,
  /**
   * How many incidents the live queue asks for, newest first (the platform's ceiling is 5000).
   * The default page of 500 would leave a busy night's older alarms out of the queue.
   */
  activeIncidentsLimit: 5000,
  /** How far back the vitals charts reach, in milliseconds (24 h). */
  vitalsWindowMs: 24 * 3600_000,
  /** Bucket size the vitals charts ask for (the platform's `step`): 10 minutes makes 144 points a day. */
  vitalsStep: '10m',
  /** Keys of what the browser remembers. Session data lives in sessionStorage (gone with the tab). */
  storageKeys: {
    session: 'eldercare.session',
    lastUsername: 'eldercare.lastUsername',
    locale: 'eldercare.locale',
    soundEnabled: 'eldercare.soundEnabled'
  }
} as const
