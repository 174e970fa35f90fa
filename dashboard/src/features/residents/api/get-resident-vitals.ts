/**
 * GET /api/residents/:id/vitals?from&to&step → the resident's readings downsampled per vital
 * (mean, min, max per bucket) and the latest value of each. Times are epoch milliseconds.
 */
import type { VitalsSeriesDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface VitalsWindow { fromMs: number, toMs: number, step: string }

export async function getResidentVitals (residentId: string, w: VitalsWindow, signal?: AbortSignal): Promise<VitalsSeriesDto> {
  const q = new URLSearchParams({ from: String(w.fromMs), to: String(w.toMs), step: w.step })
  const body = await apiRequest<Partial<VitalsSeriesDto>>(`/api/residents/${pathId(residentId)}/vitals?${q.toString()}`, { signal })
  return {
    residentId,
    from: typeof body.from === 'number' ? body.from : w.fromMs,
    to: typeof body.to === 'number' ? body.to : w.toMs,
    stepMs: typeof body.stepMs === 'number' ? body.stepMs : 60_000,
    series: body.series !== null && typeof body.series === 'object' ? body.series : {},
    latest: body.latest !== null && typeof body.latest === 'object' ? body.latest : {}
  }
}

export function useResidentVitals (residentId: string, w: VitalsWindow) {
  return useQuery(`vitals:${residentId}:${w.fromMs}:${w.toMs}:${w.step}`, (signal) => getResidentVitals(residentId, w, signal))
}
