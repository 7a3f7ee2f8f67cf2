/**
 * The thumbnail grid with multi-select and the bulk-action bar above it.
 * The cursor (the frame keyboard moves and Enter opens) stays with the
 * caller; this component owns which frames are selected and the undo stack
 * of bulk actions.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { ImageFilter } from '../../../shared/contract'
// Types only: the namespace module holds zod schemas, which the page must not load (zod probes eval, which the CSP refuses).
import type { BulkAction, BulkHistoryEntry } from '../../../shared/contract/namespaces/images'
import { api, describeError } from '../api'
import { useToasts } from '../toasts'
import { BulkBar, type PendingConfirm } from './BulkBar'
import type { GridData } from './gridData'
import {
  CURSOR_SELECTION,
  afterClick,
  isSelected,
  keepOnly,
  selectAll,
  selectNone,
  selectedCount,
  selectedSet,
  type ClickModifiers,
  type RangeIds,
  type SelectionState
} from './gridSelection'
import { ThumbnailGrid, type ThumbnailGridProps } from './ThumbnailGrid'
import './bulkBar.css'

export interface SelectableGridProps extends Omit<ThumbnailGridProps, 'isSelected' | 'onPick' | 'onMove' | 'onCommand'> {
  /** The filter the grid shows: Ctrl+A selects all of it, loaded or not. */
  filter: ImageFilter
  /** Export the selected frames (the export dialog, started on the selection). */
  onExport?(ids: number[]): void
}

interface UndoEntry {
  token: number
  message: string
}

/** Per workspace view (one GridData each): switching to Runs and back keeps what Undo can take back. */
const undoStacks = new WeakMap<GridData, UndoEntry[]>()

export function SelectableGrid(props: SelectableGridProps) {
  const { data, selected, onSelect, filter, onExport, resetKey } = props
  const toasts = useToasts()
  const [state, setState] = useState<SelectionState>(CURSOR_SELECTION)
  const [busy, setBusy] = useState(false)
  const [note, setNote] = useState<{ text: string; error?: boolean } | null>(null)
  const [confirm, setConfirm] = useState<(PendingConfirm & { ids: number[] }) | null>(null)
  const [undoDepth, setUndoDepth] = useState(() => undoStacks.get(data)?.length ?? 0)
  const [history, setHistory] = useState<BulkHistoryEntry[]>([])
  const loadHistory = useCallback(() => {
    api()
      .images.bulkHistory({ limit: 100 })
      .then(setHistory, (e: unknown) => toasts.error(e))
  }, [toasts])
  useEffect(loadHistory, [loadHistory])
  const stack = useCallback((): UndoEntry[] => {
    let s = undoStacks.get(data)
    if (!s) undoStacks.set(data, (s = []))
    return s
  }, [data])
  /** Only the newest of overlapping selection updates lands (a Shift+click may wait for ids). */
  const sequence = useRef(0)
  const total = useSyncExternalStore(data.subscribe, () => data.getTotal()) ?? 0
  const cursorId = useSyncExternalStore(data.subscribe, () => data.item(selected)?.id)

  useEffect(() => {
    sequence.current++
    setState(CURSOR_SELECTION)
    setConfirm(null)
  }, [resetKey])

  const filterIds = useCallback(async (): Promise<number[]> => api().images.ids({ filter }), [filter])

  const rangeIds: RangeIds = useCallback(
    (a, b) => {
      const lo = Math.min(a, b)
      const hi = Math.max(a, b)
      const out: number[] = []
      for (let i = lo; i <= hi; i++) {
        const item = data.item(i)
        // Part of the range is not loaded: the filter's ids, in the grid's order, cover it.
        if (!item) return filterIds().then((ids) => ids.slice(lo, hi + 1))
        out.push(item.id)
      }
      return out
    },
    [data, filterIds]
  )

  const land = useCallback(
    (next: Promise<SelectionState> | SelectionState) => {
      const n = ++sequence.current
      Promise.resolve(next).then(
        (s) => n === sequence.current && setState(s),
        (e: unknown) => toasts.error(e)
      )
    },
    [toasts]
  )

  const onPick = useCallback(
    (index: number, mods: ClickModifiers) => {
      land(afterClick(state, cursorId, index, data.item(index)?.id, mods, rangeIds))
      onSelect(index)
    },
    [land, state, cursorId, data, rangeIds, onSelect]
  )

  const onMove = useCallback(
    (index: number, shift: boolean) => {
      land(afterClick(state, cursorId, index, data.item(index)?.id, { shift, toggle: false }, rangeIds))
    },
    [land, state, cursorId, data, rangeIds]
  )

  const doSelectAll = useCallback(() => {
    land(filterIds().then((ids) => selectAll(ids, state.anchor)))
  }, [land, filterIds, state.anchor])

  const clear = useCallback(() => land(selectNone(state.anchor)), [land, state.anchor])

  /** After an action: frames it moved out of the filter (or removed) are no longer selected. */
  const prune = useCallback(async () => {
    if (state.selection.kind !== 'set') return
    const present = new Set(await filterIds())
    const n = sequence.current
    setState((s) => (n === sequence.current ? keepOnly(s, present) : s))
  }, [state.selection.kind, filterIds])

  const fail = useCallback(
    (e: unknown) => {
      toasts.error(e)
      setNote({ text: describeError(e).message, error: true })
    },
    [toasts]
  )

  const execute = useCallback(
    async (ids: number[], action: BulkAction) => {
      const result = await api().images.bulk({ ids, action })
      if (result.undoToken !== null) {
        stack().push({ token: result.undoToken, message: result.message })
        setUndoDepth(stack().length)
      }
      setNote({ text: result.message })
      if (action.kind === 'remove') loadHistory()
      await prune()
    },
    [prune, stack, loadHistory]
  )

  const onAction = useCallback(
    async (action: BulkAction) => {
      const ids = [...selectedSet(state, cursorId)]
      if (ids.length === 0) return
      setBusy(true)
      try {
        if (action.kind === 'remove' || action.kind === 'split') {
          const preview = await api().images.bulkPreview({ ids, action })
          // Removing always asks; a split asks when it touches more than the selection or a run's evaluation frames.
          if (action.kind === 'remove' || preview.usedByRuns > 0 || preview.groupMembers > 0) {
            setConfirm({ action, preview, ids })
            return
          }
        }
        await execute(ids, action)
      } catch (e) {
        fail(e)
      } finally {
        setBusy(false)
      }
    },
    [state, cursorId, execute, fail]
  )

  const onConfirm = useCallback(async () => {
    if (!confirm) return
    setBusy(true)
    try {
      await execute(confirm.ids, confirm.action)
    } catch (e) {
      fail(e)
    } finally {
      setConfirm(null)
      setBusy(false)
    }
  }, [confirm, execute, fail])

  const undoToken = useCallback(
    async (token: number) => {
      const s = stack()
      const at = s.findIndex((e) => e.token === token)
      if (at >= 0) s.splice(at, 1)
      setUndoDepth(s.length)
      setBusy(true)
      try {
        const r = await api().images.undoBulk({ undoToken: token })
        setNote({ text: r.message })
      } catch (e) {
        fail(e)
      } finally {
        setBusy(false)
        loadHistory()
      }
    },
    [stack, fail, loadHistory]
  )

  const undo = useCallback(async () => {
    const entry = stack().at(-1)
    if (entry) await undoToken(entry.token)
  }, [stack, undoToken])

  // Removals stay restorable after the session: their frames are kept in the workspace.
  const removed = history
    .filter((h) => h.kind === 'remove' && !h.undone)
    .map((h) => ({ token: h.undoToken, label: `${h.changed} frame${h.changed === 1 ? '' : 's'} removed ${new Date(h.at).toLocaleString()}` }))

  const onCommand = useCallback(
    (command: 'all' | 'none' | 'undo') => {
      if (command === 'all') doSelectAll()
      // Esc first takes back a pending question, then the selection.
      else if (command === 'none') {
        if (confirm) setConfirm(null)
        else clear()
      }
      else if (!busy && !confirm) void undo()
    },
    [doSelectAll, clear, undo, busy, confirm]
  )

  const selectedFn = useCallback((index: number, id: number | undefined) => isSelected(state, selected, index, id), [state, selected])
  const count = selectedCount(state, total)

  return (
    <div className="grid-column">
      <BulkBar
        count={count}
        busy={busy}
        note={note}
        canUndo={undoDepth > 0}
        confirm={confirm}
        onAction={(a) => void onAction(a)}
        onConfirm={() => void onConfirm()}
        onCancelConfirm={() => setConfirm(null)}
        onUndo={() => void undo()}
        onSelectAll={doSelectAll}
        onClear={clear}
        removed={removed}
        onRestore={(token) => void undoToken(token)}
        {...(onExport ? { onExport: () => onExport([...selectedSet(state, cursorId)]) } : {})}
      />
      <ThumbnailGrid {...props} isSelected={selectedFn} onPick={onPick} onMove={onMove} onCommand={onCommand} />
    </div>
  )
}
