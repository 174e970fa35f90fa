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

export interface WorkerCounts {
  telemetrySent: number
  telemetryAcked: number
  connectFailures: number
  socketErrors: number
  closedDuringRun: number
}

export type WorkerReply =
  | { type: 'connected', connected: number, failed: number }
  | { type: 'probeReady' }
  | { type: 'ran', runS: number, telemetrySent: number }
  /** `loopLagP99Ms`: the process's own event-loop delay p99 during the run (null before one) */
  | { type: 'collected', counts: WorkerCounts, alarms: AlarmRecord[], unackedTelemetry: number, loopLagP99Ms: number | null }
  | { type: 'error', message: string }
