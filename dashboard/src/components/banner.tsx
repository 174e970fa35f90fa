import type { ReactNode } from 'react'
import { WarningIcon } from './icons.tsx'

/** A full-width status strip (connection lost, and the like), announced politely. */
export function Banner ({ tone, children, testId }: { tone: 'warning' | 'info', children: ReactNode, testId?: string }) {
  return (
    <div className={`banner banner--${tone}`} role='status' data-testid={testId}>
      {tone === 'warning' && <WarningIcon />}
      {children}
    </div>
  )
}
