/**
 * Monthly statements (issue 16): GET /api/statements?areaId (every kept version of the subtree,
 * newest month first), the CSV and PDF of one (audited exports, fetched with the token), and
 * POST /api/statements {areaId, month, reason?} — a first generation, or with a reason a new
 * version (`statement.regenerate` in the audit log); earlier versions stay as published.
 */
import { isStatementSummaryDto, type StatementSummaryDto } from '@eldercare/protocols'
import { apiBlob, apiRequest, pathId } from '../../../lib/api-client.ts'
import { saveFile } from '../../../lib/save-file.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { checkedAnswer, checkedItems } from '../lib/checked.ts'

export type StatementSummary = StatementSummaryDto
export type StatementFormat = 'csv' | 'pdf'

export async function getStatements (areaId: string | null, signal?: AbortSignal): Promise<StatementSummary[]> {
  const query = areaId === null ? '' : `?${new URLSearchParams({ areaId }).toString()}`
  const body = await apiRequest<{ items?: unknown }>(`/api/statements${query}`, { signal })
  return checkedItems(isStatementSummaryDto, body?.items, 'statement')
}

export function useStatements (areaId: string | null) {
  return useQuery(`statements:${areaId ?? ''}`, async (signal) => await getStatements(areaId, signal))
}

/** Saves the statement as a file (the download needs the bearer token, so it is fetched, not linked). */
export async function downloadStatement (s: Pick<StatementSummary, 'id' | 'month' | 'version'>, format: StatementFormat): Promise<void> {
  saveFile(`statement-${s.month}-v${s.version}.${format}`, await apiBlob(`/api/statements/${pathId(s.id)}/${format}`))
}

export async function generateStatement (body: { areaId: string, month: string, reason?: string }): Promise<StatementSummary> {
  return checkedAnswer(isStatementSummaryDto, await apiRequest<unknown>('/api/statements', { method: 'POST', body }), 'the new statement')
}
