import type { TimelineEntryDto } from '@eldercare/protocols'
import { useI18n } from '../../../lib/i18n/i18n.ts'

/** The incident's history, oldest first: what happened, when, and who did it. */
export function IncidentTimeline ({ entries }: { entries: readonly TimelineEntryDto[] }) {
  const { t, tOr, formatDateTime } = useI18n()
  if (entries.length === 0) return <p className='muted'>{t('detail.timelineEmpty')}</p>
  return (
    <ol className='timeline' data-testid='incident-timeline'>
      {entries.map((entry, index) => {
        const outcome = typeof entry.data?.outcome === 'string' ? entry.data.outcome : null
        return (
          <li className='timeline__entry' key={`${entry.at}-${index}`} data-kind={entry.kind}>
            <time className='timeline__time' dateTime={entry.at}>{formatDateTime(entry.at)}</time>
            <span className='timeline__kind'>{tOr('timeline.', entry.kind)}</span>
            <span className='timeline__actor'>{entry.actor ?? t('detail.actorSystem')}</span>
            {outcome !== null && <span className='timeline__text'>{tOr('outcome.', outcome)}</span>}
            {entry.text !== null && entry.text !== '' && <span className='timeline__text'>{entry.text}</span>}
          </li>
        )
      })}
    </ol>
  )
}
