/**
 * GET /api/residents/:id/detection → {overrides, effective}; PUT with partial overrides → the
 * same. Supervisors and administrators tune a resident's alarm thresholds (audited).
 */
import type { DetectionSettingsDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export const THRESHOLD_RULES = ['hr_high', 'hr_low', 'spo2_low', 'temp_high'] as const
export type ThresholdRule = (typeof THRESHOLD_RULES)[number]
export interface ThresholdSetting { enabled: boolean, value: number, durationMs: number }

export function getDetectionSettings (residentId: string, signal?: AbortSignal): Promise<DetectionSettingsDto> {
  return apiRequest<DetectionSettingsDto>(`/api/residents/${pathId(residentId)}/detection`, { signal })
}

export function putThresholds (residentId: string, thresholds: Partial<Record<ThresholdRule, ThresholdSetting>>): Promise<DetectionSettingsDto> {
  return apiRequest<DetectionSettingsDto>(`/api/residents/${pathId(residentId)}/detection`, { method: 'PUT', body: thresholds })
}

export function useDetectionSettings (residentId: string) {
  return useQuery(`detection:${residentId}`, (signal) => getDetectionSettings(residentId, signal))
}
