/** One class on the Classes page: inline edits, order buttons, and merge and delete with their confirmation underneath. */
import { useEffect, useRef, useState } from 'react'
import type { ClassDef } from '../../../shared/contract'
import type { ClassUsage } from '../../../shared/contract/namespaces/classes'
import type { ClassKind } from '../../../shared/domain'

export type RowAction =
  | { type: 'edit'; name?: string; color?: string; kind?: ClassKind }
  | { type: 'move'; by: -1 | 1 }
  | { type: 'merge'; targetId: number }
  | { type: 'delete'; labels: number }

interface Props {
  cls: ClassDef
  index: number
  classes: ClassDef[]
  usage: ClassUsage | null
  busy: boolean
  /** Resolves true when main took the change. */
  onAction(a: RowAction): Promise<boolean>
}

/** A colour picker fires on every drag step: wait for the hand to rest before saving. */
const COLOR_SETTLE_MS = 400

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function ClassRow({ cls, index, classes, usage, busy, onAction }: Props) {
  const [name, setName] = useState(cls.name)
  const [color, setColor] = useState(cls.color)
  const [confirm, setConfirm] = useState<{ mode: 'merge'; targetId: number } | { mode: 'delete' } | null>(null)
  // A change made elsewhere (undo, another window) shows unless the user is typing a new name.
  const editing = useRef(false)
  useEffect(() => {
    if (!editing.current) setName(cls.name)
  }, [cls.name])
  useEffect(() => setColor(cls.color), [cls.color])
  useEffect(() => {
    if (color.toLowerCase() === cls.color.toLowerCase()) return
    const t = setTimeout(() => void onAction({ type: 'edit', color }), COLOR_SETTLE_MS)
    return () => clearTimeout(t)
    // onAction is a fresh closure each render; the colour alone decides when to save.
  }, [color, cls.color])

  const commitName = async () => {
    editing.current = false
    const next = name.trim()
    if (next === cls.name) return setName(cls.name)
    // A refused name stays in the field (the message says why) so the user can fix it.
    if (!(await onAction({ type: 'edit', name: next }))) editing.current = true
  }

  const labels = usage?.labels ?? 0
  const frames = usage?.frames ?? 0
  const others = classes.filter((c) => c.id !== cls.id)
  const target = confirm?.mode === 'merge' ? others.find((c) => c.id === confirm.targetId) : undefined
  const testId = (what: string) => `class-${what}-${cls.name}`

  return (
    <>
      <tr data-testid="classes-row" data-class-id={cls.id} data-name={cls.name} data-position={cls.position}>
        <td className="classes-key" title={`Key ${index < 9 ? index + 1 : '(none)'} in the editor; value ${cls.position} in exports`}>
          {cls.position}
        </td>
        <td>
          <input type="color" aria-label={`Colour of ${cls.name}`} data-testid={testId('color')} value={color} onChange={(e) => setColor(e.currentTarget.value)} />
        </td>
        <td>
          <input
            type="text"
            className="classes-name"
            aria-label={`Name of ${cls.name}`}
            data-testid={testId('name')}
            value={name}
            maxLength={64}
            onFocus={() => (editing.current = true)}
            onChange={(e) => setName(e.currentTarget.value)}
            onBlur={() => void commitName()}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur()
              if (e.key === 'Escape') {
                setName(cls.name)
                editing.current = false
              }
            }}
          />
        </td>
        <td>
          <select aria-label={`Kind of ${cls.name}`} data-testid={testId('kind')} value={cls.kind} disabled={busy} onChange={(e) => void onAction({ type: 'edit', kind: e.currentTarget.value as ClassKind })}>
            <option value="defect">defect</option>
            <option value="region">region</option>
          </select>
        </td>
        <td className="num" data-testid={testId('labels')}>
          {usage ? labels : '…'}
        </td>
        <td className="num" data-testid={testId('frames')}>
          {usage ? frames : '…'}
        </td>
        <td className="classes-order">
          <button type="button" aria-label={`Move ${cls.name} up`} data-testid={testId('up')} disabled={busy || index === 0} onClick={() => void onAction({ type: 'move', by: -1 })}>
            ↑
          </button>
          <button
            type="button"
            aria-label={`Move ${cls.name} down`}
            data-testid={testId('down')}
            disabled={busy || index === classes.length - 1}
            onClick={() => void onAction({ type: 'move', by: 1 })}
          >
            ↓
          </button>
        </td>
        <td className="classes-actions">
          <select
            aria-label={`Merge ${cls.name} into`}
            data-testid={testId('merge')}
            value=""
            disabled={busy || others.length === 0}
            onChange={(e) => setConfirm({ mode: 'merge', targetId: Number(e.currentTarget.value) })}
          >
            <option value="">Merge into…</option>
            {others.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <button type="button" className="danger" data-testid={testId('delete')} disabled={busy} onClick={() => setConfirm({ mode: 'delete' })}>
            Delete
          </button>
        </td>
      </tr>
      {confirm && (
        <tr className="classes-confirm" data-testid="class-confirm">
          <td colSpan={8}>
            {confirm.mode === 'merge' && target && (
              <>
                <span>
                  Merge <b>{cls.name}</b> into <b>{target.name}</b>: {labels > 0 ? `${plural(labels, 'label')} on ${plural(frames, 'frame')} become ${target.name}` : 'it has no labels'}, and{' '}
                  {cls.name} leaves the list.
                </span>
                <button
                  type="button"
                  className="primary"
                  data-testid="class-confirm-merge"
                  disabled={busy}
                  onClick={() => void onAction({ type: 'merge', targetId: target.id }).then((ok) => ok && setConfirm(null))}
                >
                  Merge into {target.name}
                </button>
              </>
            )}
            {confirm.mode === 'delete' && (
              <>
                <span>
                  {labels > 0 ? (
                    <>
                      <b>{cls.name}</b> is used by {plural(labels, 'label')} on {plural(frames, 'frame')}. Merge it into another class to keep them, or delete the class together
                      with its {plural(labels, 'label')}.
                    </>
                  ) : (
                    <>
                      Delete <b>{cls.name}</b>? No label uses it.
                    </>
                  )}
                </span>
                <button
                  type="button"
                  className="danger"
                  data-testid="class-confirm-delete"
                  disabled={busy}
                  onClick={() => void onAction({ type: 'delete', labels }).then((ok) => ok && setConfirm(null))}
                >
                  {labels > 0 ? `Delete ${cls.name} and ${plural(labels, 'label')}` : `Delete ${cls.name}`}
                </button>
              </>
            )}
            <button type="button" data-testid="class-confirm-cancel" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </td>
        </tr>
      )}
    </>
  )
}
