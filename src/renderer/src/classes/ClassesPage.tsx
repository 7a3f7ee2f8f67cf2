/**
 * The Classes page: the workspace's class list in key order (1-9 in the
 * editor, the value in every export), with add, rename, recolour, kind,
 * reorder, merge and delete, the history of those changes and an undo of the
 * newest. The list itself comes from the workspace view (one copy for every
 * page); usage counts and history are read here and refreshed on changes.
 */
import { useCallback, useState } from 'react'
import type { ClassDef } from '../../../shared/contract'
import type { ClassUsage } from '../../../shared/contract/namespaces/classes'
import type { ClassKind } from '../../../shared/domain'
import { api, describeError } from '../api'
import { useApiData } from '../runs/useApiData'
import { useToasts } from '../toasts'
import { ClassHistoryList } from './ClassHistoryList'
import { ClassRow, type RowAction } from './ClassRow'
import { nextColor } from './palette'
import './classes.css'

const fmt = new Intl.NumberFormat('en-US')

export function ClassesPage({ classes }: { classes: ClassDef[] }) {
  const toasts = useToasts()
  const loadUsage = useCallback(() => api().classes.usage({}), [])
  const { data: usage } = useApiData(loadUsage, { changed: ['classes', 'labels', 'images'] })
  const loadHistory = useCallback(() => api().classes.history({ limit: 50 }), [])
  // Imports add classes but report 'images'.
  const { data: history } = useApiData(loadHistory, { changed: ['classes', 'images'] })
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null)
  const [busy, setBusy] = useState(false)
  const [name, setName] = useState('')
  const [kind, setKind] = useState<ClassKind>('defect')
  const [color, setColor] = useState<string | null>(null)

  const byId = new Map<number, ClassUsage>((usage ?? []).map((u) => [u.classId, u]))
  const lastChange = history?.find((c) => c.undoneAt === null) ?? null

  /** Runs one change; a refusal is shown in the message line and nothing on screen is lost. */
  const run = useCallback(
    async (what: () => Promise<unknown>, done?: string): Promise<boolean> => {
      setBusy(true)
      try {
        await what()
        setMessage(done ? { text: done, error: false } : null)
        return true
      } catch (e) {
        setMessage({ text: describeError(e).message, error: true })
        return false
      } finally {
        setBusy(false)
      }
    },
    []
  )

  const add = async () => {
    const trimmed = name.trim()
    if (!trimmed) return setMessage({ text: 'Type a name for the new class first.', error: true })
    const ok = await run(() => api().classes.save({ name: trimmed, color: color ?? nextColor(classes), kind }), `${trimmed} added`)
    if (ok) {
      setName('')
      setColor(null)
    }
  }

  const onAction = (cls: ClassDef, a: RowAction): Promise<boolean> => {
    switch (a.type) {
      case 'edit':
        return run(() => api().classes.edit({ id: cls.id, name: a.name, color: a.color, kind: a.kind }))
      case 'move': {
        const ids = classes.map((c) => c.id)
        const i = ids.indexOf(cls.id)
        const j = i + a.by
        if (j < 0 || j >= ids.length) return Promise.resolve(false)
        ;[ids[i], ids[j]] = [ids[j]!, ids[i]!]
        return run(() => api().classes.reorder({ ids }))
      }
      case 'merge':
        return run(async () => {
          const c = await api().classes.merge({ sourceId: cls.id, targetId: a.targetId })
          toasts.info(c.summary)
        }, 'Merged. Undo puts every label back on its class.')
      case 'delete':
        return run(async () => {
          const c = await api().classes.delete({ id: cls.id, ...(a.labels > 0 ? { deleteLabels: a.labels } : {}) })
          toasts.info(c.summary)
        }, 'Deleted. Undo brings the class back with its labels.')
    }
  }

  const undo = () =>
    void run(async () => {
      const c = await api().classes.undo({})
      toasts.info(`Undone: ${c.summary}`)
    })

  return (
    <div className="classes-page" data-testid="classes-page">
      <div className="classes-toolbar">
        <form
          className="classes-add"
          onSubmit={(e) => {
            e.preventDefault()
            void add()
          }}
        >
          <input
            type="text"
            placeholder="New class name"
            aria-label="New class name"
            data-testid="class-new-name"
            value={name}
            maxLength={64}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <input
            type="color"
            aria-label="New class colour"
            data-testid="class-new-color"
            value={color ?? nextColor(classes)}
            onChange={(e) => setColor(e.currentTarget.value)}
          />
          <select aria-label="New class kind" data-testid="class-new-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as ClassKind)}>
            <option value="defect">defect</option>
            <option value="region">region</option>
          </select>
          <button type="submit" className="primary" data-testid="class-add" disabled={busy}>
            Add class
          </button>
        </form>
        <button
          type="button"
          data-testid="class-undo"
          disabled={busy || !lastChange}
          title={lastChange ? `Undo: ${lastChange.summary}` : 'No class change to undo'}
          onClick={undo}
        >
          {lastChange ? `Undo: ${lastChange.summary}` : 'Undo'}
        </button>
      </div>
      {message && (
        <p className={message.error ? 'classes-message error-text' : 'classes-message muted'} role={message.error ? 'alert' : 'status'} data-testid="classes-message">
          {message.text}
        </p>
      )}
      <div className="classes-body">
        <table className="classes-table" data-testid="classes-table">
          <thead>
            <tr>
              <th title="The key that picks it in the editor, and its value in exports">Key</th>
              <th>Colour</th>
              <th>Name</th>
              <th>Kind</th>
              <th className="num">Labels</th>
              <th className="num">Frames</th>
              <th>Order</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {classes.map((c, i) => (
              <ClassRow key={c.id} cls={c} index={i} classes={classes} usage={byId.get(c.id) ?? null} busy={busy} onAction={(a) => onAction(c, a)} />
            ))}
          </tbody>
        </table>
        <p className="muted classes-note">
          {fmt.format(classes.length)} classes. The order is the editor's keys 1-9 and the value of each class in exported masks and COCO
          categories. Models keep the classes they were trained on; the Runs and Review pages say what changed since.
        </p>
        <ClassHistoryList history={history} />
      </div>
    </div>
  )
}
