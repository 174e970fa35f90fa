/** A share (0–1) as a bar with its target marked, the figure and the verdict in words. */
export function ShareBar ({ label, share, target, metLabel, missedLabel, testId }: { label: string, share: number | null, target?: number, metLabel?: string, missedLabel?: string, testId?: string }) {
  const pct = share === null ? null : Math.round(share * 1000) / 10
  const met = share !== null && target !== undefined ? share >= target : null
  return (
    <div className='share-bar' data-testid={testId} data-share={share ?? ''}>
      <div className='share-bar__label'>
        <span>{label}</span>
        <strong>{pct === null ? '—' : `${pct}%`}</strong>
        {met !== null && <span className={met ? 'share-bar__met' : 'share-bar__missed'}>{met ? metLabel : missedLabel}</span>}
      </div>
      <div className='share-bar__track' aria-hidden='true'>
        <div className={`share-bar__fill${met === false ? ' share-bar__fill--missed' : ''}`} style={{ width: `${pct ?? 0}%` }} />
        {target !== undefined && <div className='share-bar__target' style={{ left: `${target * 100}%` }} />}
      </div>
    </div>
  )
}
