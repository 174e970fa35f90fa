/**
 * GET /api/reports/summary?areaId&from&to → the response-time report of an area subtree and
 * period (issue 6); GET /api/reports/summary.csv is the same as CSV, audited as an export.
 * Supervisors, administrators and auditors only.
 */
import { ApiError, apiRequest, DASHBOARD_ERROR_CODES } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface Breakdown { key: string | null, incidents: number, alarms: number }
/** Incidents by time to acknowledge, upper bounds inclusive. */
export interface AckDistribution { le30s: number, le60s: number, le120s: number, le180s: number, le300s: number, over300s: number, unacknowledged: number }
export const ACK_BUCKETS = ['le30s', 'le60s', 'le120s', 'le180s', 'le300s', 'over300s', 'unacknowledged'] as const
export interface AreaFigure { areaId: string, name: string, incidents: number, within60s: number | null }
export interface DayFigure { date: string, incidents: number, within60s: number | null }

export interface Report {
  area: { id: string, name: string }
  period: { from: string, to: string }
  incidents: { total: number, alarms: number, closed: number, falseAlarms: number, falseAlarmRate: number | null, byType: Breakdown[], byPriority: Breakdown[], byOutcome: Breakdown[], byArea: AreaFigure[], byDay: DayFigure[] }
  acknowledge: { acknowledged: number, p50Seconds: number | null, p90Seconds: number | null, p99Seconds: number | null, within60s: number | null, within180s: number | null, targets: { within60s: number, within180s: number }, distribution: AckDistribution }
  onScene: { dispatched: number, arrived: number, p50Seconds: number | null, within45m: number | null, within60m: number | null }
  slaBreaches: { acknowledge: number, onScene: number }
  devices: { total: number, online: number, onlineShare: number | null, lowBattery: number, offlineOver24h: number, residentsWithoutDataOver24h: number }
}

export interface ReportQuery { areaId: string | null, days: number }

/** The query string for a period of `days` ending now, rounded up to the minute (repeated reads agree; nothing just opened is left out). */
export function reportParams (q: ReportQuery, nowMs: number): URLSearchParams {
  const to = new Date(Math.ceil(nowMs / 60_000) * 60_000)
  const from = new Date(to.getTime() - q.days * 86_400_000)
  const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })
  if (q.areaId !== null) params.set('areaId', q.areaId)
  return params
}

export async function getReport (params: URLSearchParams, signal?: AbortSignal): Promise<Report> {
  const body = await apiRequest<Report>(`/api/reports/summary?${params.toString()}`, { signal })
  if (typeof body?.incidents?.total !== 'number') throw new ApiError(DASHBOARD_ERROR_CODES.badResponse, 200, 'the report has no incident figures')
  return body
}

export function useReport (params: URLSearchParams) {
  const key = params.toString()
  return useQuery(`report:${key}`, (signal) => getReport(new URLSearchParams(key), signal))
}
