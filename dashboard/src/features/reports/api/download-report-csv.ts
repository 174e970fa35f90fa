/** GET /api/reports/summary.csv → the report as CSV, saved by the browser (the platform audits the export). */
import { apiBlob } from '../../../lib/api-client.ts'

export async function downloadReportCsv (params: URLSearchParams): Promise<void> {
  const blob = await apiBlob(`/api/reports/summary.csv?${params.toString()}`)
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = `report-${(params.get('from') ?? '').slice(0, 10)}-${(params.get('to') ?? '').slice(0, 10)}.csv`
  document.body.append(a)
  a.click()
  a.remove()
  // Let the click start the download before the URL goes.
  setTimeout(() => { URL.revokeObjectURL(url) }, 1000)
}
