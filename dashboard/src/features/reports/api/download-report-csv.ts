/** GET /api/reports/summary.csv → the report as CSV, saved by the browser (the platform audits the export). */
import { apiBlob } from '../../../lib/api-client.ts'
import { saveFile } from '../../../lib/save-file.ts'

export async function downloadReportCsv (params: URLSearchParams): Promise<void> {
  const blob = await apiBlob(`/api/reports/summary.csv?${params.toString()}`)
  saveFile(`report-${(params.get('from') ?? '').slice(0, 10)}-${(params.get('to') ?? '').slice(0, 10)}.csv`, blob)
}
