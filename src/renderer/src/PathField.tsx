/** A folder path: typed, or picked with the native dialog where there is one. */
import { useState } from 'react'
import { api } from './api'
import { useToasts } from './toasts'

interface Props {
  /** Also the test id of the input; the button gets `${id}-browse`. */
  id: string
  label: string
  value: string
  onChange(value: string): void
  canBrowse: boolean
  browseTitle: string
  required?: boolean
}

export function PathField({ id, label, value, onChange, canBrowse, browseTitle, required }: Props) {
  const toasts = useToasts()
  const [picking, setPicking] = useState(false)

  const browse = async () => {
    setPicking(true)
    try {
      const dir = await api().dialog.pickFolder({ title: browseTitle })
      if (dir) onChange(dir)
      else if (dir === null && !canBrowse) toasts.info('No folder dialog here: type the path')
    } catch (error) {
      toasts.error(error)
    } finally {
      setPicking(false)
    }
  }

  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      <span className="path-field">
        <input
          id={id}
          type="text"
          data-testid={id}
          value={value}
          required={required}
          spellCheck={false}
          autoComplete="off"
          placeholder="/path/to/folder"
          onChange={(e) => onChange(e.target.value)}
        />
        {canBrowse && (
          <button type="button" data-testid={`${id}-browse`} disabled={picking} onClick={browse}>
            Browse…
          </button>
        )}
      </span>
    </label>
  )
}
