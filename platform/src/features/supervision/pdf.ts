/**
 * Printable forms: the GB/T 42195-2022 assessment and the monthly statement, as PDF.
 *
 * Library: PDFKit (pdfkit on npm, ~8M downloads a week, released through 2025, MIT). It embeds a
 * subset of an OpenType/CFF font (so the file carries only the glyphs it uses, ~60 kB for a page
 * of Chinese), reads a font out of a .ttc collection by its PostScript name, and draws vector
 * shapes for the charts — no headless browser in the request path. pdf-lib was the other
 * candidate; its last release is from 2021.
 *
 * Font: Noto Sans CJK SC from the Debian package fonts-noto-cjk (installed on CI by .ci/run and
 * needed in the production image); buildApp's `pdfFont` points elsewhere. Without a CJK font we
 * refuse rather than print empty boxes.
 */
import { existsSync } from 'node:fs'
import PDFDocument from 'pdfkit'
import {
  ASSESSMENT_INDICATORS, ASSESSMENT_ITEMS, CAPACITY_LEVEL_NAMES, type AssessmentResult
} from '@eldercare/protocols'

export const DEFAULT_CJK_FONT = { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' }

export interface PdfFont { path: string, family?: string }


type Doc = InstanceType<typeof PDFDocument>

function newDoc (font: PdfFont, title: string): Doc {
  if (!existsSync(font.path)) throw new Error(`no CJK font at ${font.path}: install fonts-noto-cjk or set CJK_FONT_PATH`)
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: title, Producer: 'eldercare-response' } })
  doc.registerFont('cjk', font.path, font.family)
  doc.font('cjk')
  return doc
}

function finish (doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
    doc.end()
  })
}

/** A table of rows at the current position; starts a new page when the next row would not fit. */
function table (doc: Doc, widths: number[], rows: string[][], opts: { header?: boolean } = {}): void {
  const x0 = doc.page.margins.left
  const rowH = 18
  rows.forEach((row, i) => {
    if (doc.y + rowH > doc.page.height - doc.page.margins.bottom) doc.addPage()
    const y = doc.y
    let x = x0
    if (opts.header && i === 0) doc.rect(x0, y, widths.reduce((a, b) => a + b, 0), rowH).fill('#eef1f6').fillColor('black')
    row.forEach((cell, c) => {
      doc.rect(x, y, widths[c], rowH).lineWidth(0.5).stroke('#9aa3b2')
      doc.fillColor('black').fontSize(9).text(cell, x + 4, y + 4, { width: widths[c] - 8, height: rowH - 4, lineBreak: false, ellipsis: true })
      x += widths[c]
    })
    doc.x = x0
    doc.y = y + rowH
  })
  doc.moveDown(0.5)
}

/** A horizontal bar chart: one labelled bar per entry, scaled to the largest value. */
export function barChart (doc: Doc, title: string, entries: Array<{ label: string, value: number, target?: number | null }>, fmt: (v: number) => string = String): void {
  const x0 = doc.page.margins.left
  const labelW = 120
  const barMax = 300
  const rowH = 16
  if (doc.y + 24 + rowH * entries.length > doc.page.height - doc.page.margins.bottom) doc.addPage()
  doc.fontSize(11).fillColor('black').text(title, x0, doc.y)
  doc.moveDown(0.3)
  const max = Math.max(1, ...entries.map(e => Math.max(e.value, e.target ?? 0)))
  for (const e of entries) {
    const y = doc.y
    doc.fontSize(9).fillColor('black').text(e.label, x0, y + 3, { width: labelW - 6, lineBreak: false, ellipsis: true })
    const w = Math.max(1, (e.value / max) * barMax)
    doc.rect(x0 + labelW, y + 2, w, rowH - 5).fill('#3b6fd4')
    if (e.target != null) {
      const tx = x0 + labelW + (e.target / max) * barMax
      doc.moveTo(tx, y).lineTo(tx, y + rowH - 1).lineWidth(1.5).stroke('#d43b3b')
    }
    doc.fillColor('black').fontSize(9).text(fmt(e.value) + (e.target != null ? ` / 目标 ${fmt(e.target)}` : ''), x0 + labelW + barMax + 8, y + 3, { lineBreak: false })
    doc.x = x0
    doc.y = y + rowH
  }
  doc.moveDown(0.6)
}

export interface PrintableAssessment {
  id: string
  residentName: string
  areaName: string | null
  assessedAt: string
  assessor: { name: string, certificateNo?: string | null, userId?: string | null }
  scores: Record<string, number>
  result: AssessmentResult
  reassessmentDueAt: string
}

const CHANGE_LABELS: Record<AssessmentResult['changes'][number], string> = {
  comatose: '处于昏迷状态，直接评定为能力完全丧失',
  dementia_or_mental_disorder: '确诊痴呆或其他精神和行为障碍，提高一个等级',
  repeated_care_risk_events: '近30天内发生2次及以上照护风险事件，提高一个等级'
}

/** The assessment as a printable form (老年人能力评估报告). */
export async function renderAssessmentPdf (a: PrintableAssessment, font: PdfFont = DEFAULT_CJK_FONT): Promise<Buffer> {
  const doc = newDoc(font, `老年人能力评估报告 ${a.residentName}`)
  doc.fontSize(18).text('老年人能力评估报告', { align: 'center' })
  doc.fontSize(10).fillColor('#555').text('依据 GB/T 42195-2022《老年人能力评估规范》', { align: 'center' }).fillColor('black')
  doc.moveDown()
  const assessor = a.assessor.certificateNo ? `${a.assessor.name}（证书编号 ${a.assessor.certificateNo}）` : a.assessor.name
  table(doc, [100, 399], [
    ['姓名', a.residentName],
    ['所属区域', a.areaName ?? '—'],
    ['评估日期', a.assessedAt.slice(0, 10)],
    ['评估员', assessor],
    ['下次评估', a.reassessmentDueAt.slice(0, 10)]
  ])
  for (const ind of ASSESSMENT_INDICATORS) {
    doc.fontSize(12).text(`${ind.code} ${ind.nameZh}（${a.result.indicatorTotals[ind.key]} / ${ind.max} 分）`)
    doc.moveDown(0.2)
    const rows = [['条款', '项目', '评估结果', '得分']]
    for (const it of ASSESSMENT_ITEMS.filter(i => i.indicator === ind.key)) {
      const s = a.scores[it.key]
      rows.push([it.code, it.nameZh, it.options.find(o => o.score === s)?.labelZh ?? '—', `${s} / ${it.max}`])
    }
    table(doc, [50, 130, 249, 70], rows, { header: true })
  }
  const prelim = CAPACITY_LEVEL_NAMES[a.result.preliminaryLevel]
  const final = CAPACITY_LEVEL_NAMES[a.result.level]
  doc.fontSize(12).text(`总分：${a.result.total} / 90`)
  doc.text(`初步等级：${prelim.level} 级 ${prelim.nameZh}`)
  for (const c of a.result.changes) doc.fontSize(10).text(`等级变更依据：${CHANGE_LABELS[c]}`)
  doc.fontSize(14).text(`最终等级：${final.level} 级 ${final.nameZh}`)
  doc.moveDown(2)
  doc.fontSize(10).text('评估员签名：________________        信息提供者签名：________________')
  return finish(doc)
}

export interface StatementSection { title: string, rows: Array<[string, string]> }
export interface StatementChart { title: string, entries: Array<{ label: string, value: number, target?: number | null }>, percent?: boolean }

/** A monthly statement: a heading, charts, then tables. The statement's content decides the sections. */
export async function renderStatementPdf (s: { title: string, subtitle: string, charts: StatementChart[], sections: StatementSection[] }, font: PdfFont = DEFAULT_CJK_FONT): Promise<Buffer> {
  const doc = newDoc(font, s.title)
  doc.fontSize(18).text(s.title, { align: 'center' })
  doc.fontSize(10).fillColor('#555').text(s.subtitle, { align: 'center' }).fillColor('black')
  doc.moveDown()
  for (const c of s.charts) barChart(doc, c.title, c.entries, c.percent ? v => `${Math.round(v * 1000) / 10}%` : String)
  for (const sec of s.sections) {
    if (doc.y + 60 > doc.page.height - doc.page.margins.bottom) doc.addPage()
    doc.fontSize(12).text(sec.title)
    doc.moveDown(0.2)
    table(doc, [300, 199], sec.rows)
  }
  return finish(doc)
}
