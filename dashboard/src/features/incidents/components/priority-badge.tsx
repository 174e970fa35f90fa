import type { Priority } from '@eldercare/protocols'
import { useI18n } from '../../../lib/i18n/i18n.ts'

/** A distinct shape per priority, so urgency never rests on colour alone (WCAG 1.4.1). */
const SHAPES: Record<Priority, string> = {
  // octagon, like a stop sign
  P1: 'M7 1h10l6 6v10l-6 6H7l-6-6V7z',
  // triangle
  P2: 'M12 1.5 23 22H1z',
  // diamond
  P3: 'M12 1 23 12 12 23 1 12z',
  // circle
  P4: 'M12 2a10 10 0 1 0 0.001 0z'
}

export function PriorityIcon ({ priority }: { priority: Priority }) {
  return (
    <svg className='priority-icon' viewBox='0 0 24 24' width='1.1em' height='1.1em' aria-hidden='true' focusable='false'>
      <path d={SHAPES[priority]} fill='currentColor' />
      {priority !== 'P4' && <path d='M11 7h2v7h-2zM11 16h2v2h-2z' className='priority-icon__mark' />}
    </svg>
  )
}

/** "P1 紧急" on the priority's colour, with its shape. */
export function PriorityBadge ({ priority }: { priority: Priority }) {
  const { t } = useI18n()
  return (
    <span className={`priority-badge priority-badge--${priority}`} data-priority={priority}>
      <PriorityIcon priority={priority} />
      <span>{priority} {t(`priority.${priority}`)}</span>
    </span>
  )
}
