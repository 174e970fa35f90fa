/** The IPC messages between `bench:alarms` and its load processes (load-worker.ts). */

export interface BenchDevice { id: string, secret: string }

export type ProbeSpec =
  | { kind: 'socketio', httpUrl: string, token: string }
  | { kind: 'mqtt', host: string, port: number }

export type WorkerCommand =
  | { type: 'connect', host: string, port: number, devices: BenchDevice[], width: number, keepaliveS: number }
  | { type: 'probe', probe: ProbeSpec }
  | {
    type: 'run'
    /** unique per run: message ids must not repeat across runs [P-2.4] */
    tag: string
    durationMs: number
    telemetryPerDeviceHz: number
    telemetryQos: 0 | 1
    /** falls to fire, in time order: device and offset from the start of the run */
    alarms: Array<{ deviceId: string, atMs: number }>
    /** drop every connection of this process `atMs` into the run and reconnect them (load-worker.ts `cut`) */
    storm?: { atMs: number, downMs: number, width: number, silent: boolean }
  }
  | { type: 'collect' }
  | { type: 'stop' }

/** One fall: when it left, when its PUBACK came, when it arrived (incident or subscriber). */
export interface AlarmRecord {
  deviceId: string
  /** performance.now() at the PUBLISH */
  sentAt: number
  ackedMs: number | null
  arrivedMs: number | null
  /** how many times it arrived (an incident opened twice counts 2) */
  arrivals: number
  /** false when its device was not connected at its time */
  sent: boolean
}

/** One load process's storm: its cut, and how its devices came back. */
export interface StormRecord {
  /** ms into the run when the connections were dropped */
  cutAtMs: number
  /** connections dropped */
  cut: number
  reconnected: number
  /** reconnects refused or timed out (those devices stay away) */
  failed: number
  /** the failures by why: `no CONNACK within 30 s`, `CONNACK 3`, `connection closed`… */
  failedWhy: Record<string, number>
  /** ms from the cut to the last reconnect's end; null while under way */
  doneMs: number | null
  /** each reconnect's CONNECT → CONNACK, ms */
  connackMs: number[]
}

export interface WorkerCounts {
  telemetrySent: number
  telemetryAcked: number
  /** telemetry slots of devices that were away (a storm): not sent */
  telemetryWhileDown: number
  connectFailures: number
  socketErrors: number
  closedDuringRun: number
}

export type WorkerReply =
  | { type: 'connected', connected: number, failed: number }
  | { type: 'probeReady' }
  | { type: 'ran', runS: number, telemetrySent: number }
  /** `loopLagP99Ms`: the process's own event-loop delay p99 during the run (null before one) */
  | { type: 'collected', counts: WorkerCounts, alarms: AlarmRecord[], storm: StormRecord | null, unackedTelemetry: number, loopLagP99Ms: number | null }
  | { type: 'error', message: string }
