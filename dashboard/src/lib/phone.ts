/**
 * Phone numbers as people in China read them. The platform masks numbers it does not need to
 * show (`*******1234`); a masked number can be read but not dialled.
 */

/** Groups a mainland mobile number 3-4-4 (`138 0000 1234`); other numbers are shown as given. */
export function formatPhone (phone: string | null | undefined): string {
  if (phone === null || phone === undefined || phone === '') return '—'
  const compact = phone.replace(/[\s-]/g, '')
  // Mobile numbers start with 1; a masked one starts with the mask.
  const mobile = /^(\+86)?((?:1|\*)[0-9*]{10})$/.exec(compact)
  if (mobile !== null) {
    const n = mobile[2]
    return `${mobile[1] !== undefined ? '+86 ' : ''}${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`
  }
  return phone
}

export function isMaskedPhone (phone: string): boolean {
  return phone.includes('*')
}

/** A `tel:` link for a dialable number; null when the number is masked or empty. */
export function telHref (phone: string | null | undefined): string | null {
  if (phone === null || phone === undefined || phone === '' || isMaskedPhone(phone)) return null
  const dial = phone.replace(/[^\d+]/g, '')
  return dial.length >= 3 ? `tel:${dial}` : null
}
