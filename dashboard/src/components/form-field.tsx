import { useId, type ReactNode } from 'react'

/** A labelled control: `children` receives the id to put on the input, so the label names it. */
export function FormField ({ label, hint, children }: { label: string, hint?: string, children: (id: string) => ReactNode }) {
  const id = useId()
  return (
    <div className='field'>
      <label className='field__label' htmlFor={id}>{label}</label>
      {children(id)}
      {hint !== undefined && <span className='field__hint muted'>{hint}</span>}
    </div>
  )
}
