/**
 * The palette in styles.css against WCAG 2.1 AA: 4.5:1 for text, 3:1 for large/bold text and
 * for focus rings and other non-text marks. The colours are read from the stylesheet itself,
 * so a change of palette is checked without anyone copying numbers into a test.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { contrastRatio } from '../lib/contrast.ts'

// A path string, not `new URL(…)`: under jsdom the global URL is jsdom's, which node:url refuses.
const css = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'styles.css'), 'utf8')
const root = /:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? ''
const palette = new Map([...root.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b/g)].map((m) => [m[1], m[2]]))
const colour = (name: string): string => {
  if (name.startsWith('#')) return name
  const value = palette.get(name)
  if (value === undefined) throw new Error(`styles.css :root has no --${name}`)
  return value
}

/** [foreground, background, minimum ratio, where it is used] */
const PAIRS: Array<[string, string, number, string]> = [
  ...['bg', 'surface', 'surface-2', 'surface-3'].flatMap((bg): Array<[string, string, number, string]> => [
    ['text', bg, 4.5, 'body text'],
    ['muted', bg, 4.5, 'secondary text'],
    ['overdue', bg, 4.5, 'overdue SLA, offline, errors'],
    ['ok', bg, 4.5, 'online'],
    ['focus', bg, 3, 'focus ring']
  ]),
  ['link', 'surface', 4.5, 'links'],
  ['link', 'surface-2', 4.5, 'links in rows'],
  ['#ffffff', 'primary', 4.5, 'primary button'],
  ['#ffffff', 'danger', 4.5, 'danger button'],
  ['p1-text', 'p1', 4.5, 'P1 badge'],
  ['p2-text', 'p2', 4.5, 'P2 badge, warning tags'],
  ['p3-text', 'p3', 4.5, 'P3 badge'],
  ['p4-text', 'p4', 4.5, 'P4 badge'],
  ['#111111', '#ffd33d', 4.5, 'connection banner, secret warning'],
  ['#ffdcd7', '#3d1418', 4.5, 'error message']
]

describe('theme contrast (WCAG 2.1 AA)', () => {
  it('finds the palette in styles.css', () => {
    expect(palette.size).toBeGreaterThan(10)
  })

  it.each(PAIRS)('%s on %s reaches %s:1 (%s)', (fg, bg, min) => {
    expect(contrastRatio(colour(fg), colour(bg))).toBeGreaterThanOrEqual(min)
  })
})
