import type { ButtonHTMLAttributes } from 'react'

/**
 * A button that never takes keyboard focus: the editor's keys (Space to pan,
 * Enter to close a polygon) must not also press the last clicked button.
 */
export function Btn(props: ButtonHTMLAttributes<HTMLButtonElement>) {
  return <button type="button" tabIndex={-1} {...props} onMouseDown={(e) => e.preventDefault()} />
}
