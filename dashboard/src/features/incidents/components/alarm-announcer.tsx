export interface Announcement {
  id: number
  text: string
}

/**
 * The polite live region that tells screen-reader users about new alarms. It stays mounted so
 * assistive technology keeps watching it; each alarm is a new line, so a burst of alarms is read
 * one by one instead of the last overwriting the others.
 */
export function AlarmAnnouncer ({ announcements }: { announcements: readonly Announcement[] }) {
  return (
    <div className='visually-hidden' aria-live='polite' aria-relevant='additions text' data-testid='alarm-announcer'>
      {announcements.map((a) => <p key={a.id}>{a.text}</p>)}
    </div>
  )
}
