/**
 * POST /api/import/{areas|sites|residents|devices} with a CSV file (admins). All or nothing: a
 * file with any problem answers 422 PLT_ERR_IMPORT_INVALID with every problem by line; a device
 * import answers the new secrets once, as CSV, to hand to installers.
 */
import { ApiError, apiPostCsv } from '../../../lib/api-client.ts'

export const IMPORT_KINDS = ['areas', 'sites', 'residents', 'devices'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

export interface ImportProblem { line: number, column?: string, message: string }

export type ImportResult =
  | { ok: true, imported: number, secretsCsv: string | null }
  | { ok: false, problems: ImportProblem[], total: number }

export async function importCsv (kind: ImportKind, csv: string): Promise<ImportResult> {
  try {
    const res = await apiPostCsv(`/api/import/${kind}`, csv)
    if (res.contentType.startsWith('text/csv')) {
      // One line per device after the header: the secrets, shown this once.
      return { ok: true, imported: Math.max(0, res.text.trim().split(/\r?\n/).length - 1), secretsCsv: res.text }
    }
    const body = JSON.parse(res.text) as { imported?: number }
    return { ok: true, imported: body.imported ?? 0, secretsCsv: null }
  } catch (err) {
    if (err instanceof ApiError && err.code === 'PLT_ERR_IMPORT_INVALID') {
      const d = err.details as { problems?: ImportProblem[], total?: number } | null
      const problems = Array.isArray(d?.problems) ? d.problems : []
      return { ok: false, problems, total: d?.total ?? problems.length }
    }
    throw err
  }
}
