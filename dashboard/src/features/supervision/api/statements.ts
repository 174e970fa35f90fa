/**
 * Monthly statements (issue 16): GET /api/statements?areaId&month (every kept version of the
 * subtree, newest month first), the CSV and PDF of one (audited exports, fetched with the token), and
 * POST /api/statements {areaId, month, reason?} — a first generation, or with a reason a new
 * version (`statement.regenerate` in the audit log); earlier versions stay as published.
 */
import { isStatementSummaryDto, type StatementSummaryDto } from '@eldercare/protocols'
import { apiBlob, apiRequest, pathId } from '../../../lib/api-client.ts'
import { saveFile } from '../../../lib/save-file.ts'
import { useQuery } from '../../../lib/use-query.ts'
import { checkedDto, listItems } from '../../../lib/dto.ts'

export type StatementSummary = StatementSummaryDto
export type StatementFormat = 'csv' | 'pdf'

/** `areaId` null: the caller's own area; `month` (`YYYY-MM`) null: every month. */
export function statementsParams (areaId: string | null, month: string | null): URLSearchParams {
  const p = new URLSearchParams()
  if (areaId !== null) p.set('areaId', areaId)
  if (month !== null) p.set('month', month)
  return p
}

export async function getStatements (params: URLSearchParams, signal?: AbortSignal): Promise<StatementSummary[]> {
  const query = params.toString()
  return listItems(await apiRequest<unknown>(`/api/statements${query === '' ? '' : `?${query}`}`, { signal }), isStatementSummaryDto, 'statement')
}

export function useStatements (params: URLSearchParams) {
  const key = params.toString()
  return useQuery(`statements:${key}`, async (signal) => await getStatements(new URLSearchParams(key), signal))
}

/** Saves the statement as a file (the download needs the bearer token, so it is fetched, not linked). */
export async function downloadStatement (s: Pick<StatementSummary, 'id' | 'month' | 'version'>, format: StatementFormat): Promise<void> {
  saveFile(`statement-${s.month}-v${s.version}.${format}`, await apiBlob(`/api/statements/${pathId(s.id)}/${format}`))
}

export async function generateStatement (body: { areaId: string, month: string, reason?: string }): Promise<StatementSummary> {
  return checkedDto(await apiRequest<unknown>('/api/statements', { method: 'POST', body }), isStatementSummaryDto, 'new statement')
}
