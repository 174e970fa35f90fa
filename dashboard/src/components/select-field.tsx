import { FormField } from './form-field.tsx'

export interface SelectOption { value: string, label: string }

export interface SelectFieldProps {
  label: string
  value: string
  options: readonly SelectOption[]
  onChange: (value: string) => void
  /** A first option with the empty value ("请选择", "全部"), when choosing nothing is allowed. */
  placeholder?: { value: string, label: string }
  hint?: string
  testId?: string
}

/** A labelled `<select>`: the one shape every form and filter of the console uses. */
export function SelectField ({ label, value, options, onChange, placeholder, hint, testId }: SelectFieldProps) {
  return (
    <FormField label={label} hint={hint}>
      {(id) => (
        <select id={id} className='field__input' value={value} data-testid={testId} onChange={(e) => { onChange(e.target.value) }}>
          {placeholder !== undefined && <option value={placeholder.value}>{placeholder.label}</option>}
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      )}
    </FormField>
  )
}
