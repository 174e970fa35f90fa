/**
 * A distance as the console writes it everywhere (dispatch list, incident map): whole metres under
 * a kilometre, else kilometres with one decimal. The platform sends whole metres.
 */
export function formatDistance (m: number | null, locale: string): string {
  if (m === null) return '—'
  if (m < 1000) return `${Math.round(m)} m`
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(m / 1000)} km`
}
