import type { ReactNode } from 'react'
import { useI18n, type MessageKey } from '../lib/i18n/i18n.ts'
import { hrefFor } from '../lib/router.ts'

/**
 * A screen of sections, `#/<screen>/<section>`: its title, the tabs of the sections the role has
 * (`sections`), and the chosen section's content (`children`). The admin and supervision screens.
 */
export function SectionedScreen<S extends string> ({ screen, title, titles, section, sections, children }: {
  screen: string
  title: MessageKey
  titles: Record<S, MessageKey>
  section: S
  sections: readonly S[]
  children: ReactNode
}) {
  const { t } = useI18n()
  return (
    <section className='screen' aria-labelledby={`${screen}-title`} data-testid={`${screen}-screen`} data-section={section}>
      <div className='section-header'>
        <h1 id={`${screen}-title`} className='section-header__title'>{t(title)} · {t(titles[section])}</h1>
      </div>
      <nav aria-label={t(title)} className='subnav'>
        {sections.map((s) => (
          <a key={s} href={hrefFor(screen, s)} aria-current={s === section ? 'page' : undefined} data-testid={`${screen}-tab-${s}`}>{t(titles[s])}</a>
        ))}
      </nav>
      {children}
    </section>
  )
}
