import { useState } from 'react'
import { SelectField } from '../../../components/select-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { saveFile } from '../../../lib/save-file.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { IMPORT_KINDS, importCsv, type ImportKind, type ImportResult } from '../api/import-csv.ts'
import { AdminForm } from './admin-form.tsx'

/** The file's text (FileReader: every browser the console supports has it, and so does jsdom). */
function readText (file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => { resolve(String(reader.result)) }
    reader.onerror = () => { reject(reader.error ?? new Error('the file could not be read')) }
    reader.readAsText(file, 'utf-8')
  })
}

/**
 * Bulk import from CSV (cities start with thousands of records): every problem of a refused file
 * is listed with its line; a device import's secrets are offered once as a download.
 */
export function ImportAdmin () {
  const { t } = useI18n()
  const [kind, setKind] = useState<ImportKind>('areas')
  const [file, setFile] = useState<File | null>(null)
  const [invalid, setInvalid] = useState<string | null>(null)
  const mutation = useMutation(importCsv)
  const [result, setResult] = useState<ImportResult | null>(null)

  async function submit () {
    if (file === null) { setInvalid(t('admin.import.chooseFile')); return }
    setInvalid(null)
    setResult(null)
    setResult(await mutation.run(kind, await readText(file)))
  }

  return (
    <div className='admin-grid'>
      <AdminForm title={t('admin.import.title')} testId='import-form' pending={mutation.pending} invalid={invalid} error={mutation.error}
        done={result?.ok === true ? t('admin.import.done', { count: result.imported }) : null} onSubmit={() => { void submit() }}
      >
        <SelectField label={t('admin.import.kind')} value={kind} options={IMPORT_KINDS.map((k) => ({ value: k, label: t(`admin.import.kind.${k}`) }))}
          onChange={(v) => { setKind(v as ImportKind) }} testId='import-kind'
        />
        <label className='field'>
          <span className='field__label'>{t('admin.import.file')}</span>
          <input type='file' accept='.csv,text/csv' className='field__input' onChange={(e) => { setFile(e.target.files?.[0] ?? null) }} data-testid='import-file' />
          <span className='field__hint'>{t('admin.import.hint')}</span>
        </label>
      </AdminForm>
      <section aria-live='polite'>
        {result?.ok === false && (
          <div role='alert' data-testid='import-problems'>
            <h2 className='detail__section-title'>{t('admin.import.refused', { count: result.total })}</h2>
            <ul>{result.problems.map((p, i) => <li key={i}>{t('admin.import.line', { line: p.line })}{p.column === undefined ? '' : ` · ${p.column}`}: {p.message}</li>)}</ul>
          </div>
        )}
        {result?.ok === true && result.secretsCsv !== null && (
          <div className='notice notice--warning' data-testid='import-secrets'>
            <p>{t('admin.import.secretsOnce')}</p>
            <button type='button' className='button button--primary' onClick={() => { saveFile('device-secrets.csv', new Blob([result.secretsCsv!], { type: 'text/csv;charset=utf-8' })) }} data-testid='import-secrets-download'>
              {t('admin.import.downloadSecrets')}
            </button>
          </div>
        )}
      </section>
    </div>
  )
}
