// Printable forms (issue 16): the PDF is rendered, turned into an image by pdftoppm, and the image
// is read back by OCR, so the test sees what a printer would — the Chinese text drawn with the
// embedded font, not empty boxes.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ASSESSMENT_ITEMS, computeAssessment } from '@eldercare/protocols'
import { renderAssessmentPdf, renderStatementPdf } from '../src/features/supervision/pdf.ts'
import { isCI, needsAll } from '../../tests/support/requirements.ts'

const binaries = needsAll('PDF rendered to an image and read back', [
  ['pdftoppm', 'poppler-utils'], ['pdffonts', 'poppler-utils'], ['tesseract', 'tesseract-ocr']
])
// Data files (not executables): the OCR model for simplified Chinese and the font itself.
const missingData = [
  ['/usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata', 'tesseract-ocr-chi-sim'],
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'fonts-noto-cjk']
].filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg)
if (missingData.length && isCI()) throw new Error(`PDF test: required on CI but missing: apt-get install -y ${missingData.join(' ')} (see .ci/run)`)
if (missingData.length) console.warn(`[skip] PDF test: apt-get install -y ${missingData.join(' ')}`)
const tools = { ok: binaries.ok && missingData.length === 0 }

const dir = mkdtempSync(join(tmpdir(), 'sup-pdf-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** First page of `pdf` as a PNG, then OCR'd (simplified Chinese + English), whitespace removed. */
function pageText (pdf: Buffer, name: string): string {
  const file = join(dir, `${name}.pdf`)
  writeFileSync(file, pdf)
  execFileSync('pdftoppm', ['-r', '150', '-f', '1', '-l', '1', '-png', '-gray', file, join(dir, name)])
  const png = join(dir, `${name}-1.png`)
  expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG')
  const text = execFileSync('tesseract', [png, 'stdout', '-l', 'chi_sim+eng', '--psm', '4'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
  return text.replace(/\s+/g, '')
}

describe.skipIf(!tools.ok)('printable PDFs with embedded Chinese font', () => {
  const scores = Object.fromEntries(ASSESSMENT_ITEMS.map(i => [i.key, i.max]))
  scores.bathing = 1
  scores.stairs = 0
  const result = computeAssessment({ scores, careRiskEvents30d: 2 })

  it('renders the assessment form: the title, the indicators and the level are on the page image', async () => {
    const pdf = await renderAssessmentPdf({
      id: 'a1', residentName: '张桂兰', areaName: '卧龙区', assessedAt: '2026-05-20T09:00:00Z',
      assessor: { name: '李评估', certificateNo: 'PG-2026-001' }, scores, result, reassessmentDueAt: '2027-05-20T09:00:00Z'
    })
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    // the font travels with the file (a subset), so a printer without CJK fonts prints it too
    writeFileSync(join(dir, 'fonts.pdf'), pdf)
    const fonts = execFileSync('pdffonts', [join(dir, 'fonts.pdf')]).toString()
    expect(fonts).toMatch(/NotoSansCJKsc-Regular\s+CID Type 0C\s+Identity-H\s+yes\s+yes/)
    const text = pageText(pdf, 'assessment')
    expect(text).toContain('老年人能力评估报告')
    expect(text).toContain('自理能力')
    expect(text).toContain('基础运动能力')
    expect(text).toContain('张桂兰')
    expect(result).toMatchObject({ total: 84, preliminaryLevel: 1, level: 2 })
  })

  it('renders a statement with its charts and Chinese labels', async () => {
    const pdf = await renderStatementPdf({
      title: '养老服务月度统计报表', subtitle: '卧龙区 2026年5月',
      charts: [{ title: '年龄段分布', entries: [{ label: '60-69岁', value: 12 }, { label: '70-79岁', value: 30 }, { label: '80-89岁', value: 8 }] },
        { title: '探访覆盖率', percent: true, entries: [{ label: '本月', value: 0.8, target: 1 }] }],
      sections: [{ title: '家庭养老床位', rows: [['护理型', '3'], ['普惠型', '5']] }]
    })
    const text = pageText(pdf, 'statement')
    expect(text).toContain('养老服务月度统计报表')
    expect(text).toContain('年龄段分布')
    expect(text).toContain('家庭养老床位')
  })
})
