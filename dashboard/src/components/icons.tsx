/**
 * Inline SVG icons. Emoji and rarer symbols are missing from many duty-room PCs' fonts (and from
 * headless Chromium), so icons are drawn, not typed. All are decorative: the text beside them
 * carries the meaning.
 */
import type { ReactNode } from 'react'

function Icon ({ children, className = '' }: { children: ReactNode, className?: string }) {
  return (
    <svg
      className={`icon ${className}`}
      viewBox='0 0 24 24'
      width='1em'
      height='1em'
      fill='none'
      stroke='currentColor'
      strokeWidth='2.2'
      strokeLinecap='round'
      strokeLinejoin='round'
      aria-hidden='true'
      focusable='false'
    >
      {children}
    </svg>
  )
}

export const BellIcon = () => (
  <Icon><path d='M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9' /><path d='M10.3 21a1.94 1.94 0 0 0 3.4 0' /></Icon>
)

export const BellOffIcon = () => (
  <Icon>
    <path d='M8.7 3A6 6 0 0 1 18 8c0 2.7.4 4.6 1 6' /><path d='M17 17H3s3-2 3-9a4.7 4.7 0 0 1 .3-1.7' />
    <path d='M10.3 21a1.94 1.94 0 0 0 3.4 0' /><path d='m2 2 20 20' />
  </Icon>
)

export const GlobeIcon = () => (
  <Icon><circle cx='12' cy='12' r='10' /><path d='M2 12h20' /><path d='M12 2a15 15 0 0 1 0 20 15 15 0 0 1 0-20' /></Icon>
)

export const ClockIcon = () => (
  <Icon><circle cx='12' cy='12' r='10' /><path d='M12 6v6l4 2' /></Icon>
)

export const WarningIcon = () => (
  <Icon><path d='m21.7 18-8-14a2 2 0 0 0-3.4 0l-8 14A2 2 0 0 0 4 21h16a2 2 0 0 0 1.7-3' /><path d='M12 9v4' /><path d='M12 17h.01' /></Icon>
)

export const CloseIcon = () => (
  <Icon><path d='M18 6 6 18' /><path d='m6 6 12 12' /></Icon>
)
