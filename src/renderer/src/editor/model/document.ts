/** Applying and inverting recorded changes on a frame's polygon list. */
import { clipToFrame, isSimple, isValidPolygon } from '../../../../shared/geometry/polygon'
import { newPolygonKey, type ChangeSet, type EditorPolygon, type FrameSize, type PolygonChange } from './types'

/** A new list with the changes applied in order. Unknown keys are skipped, not thrown: undo must never crash. */
export function applyChanges(list: readonly EditorPolygon[], changes: ChangeSet): EditorPolygon[] {
  const out = list.slice()
  for (const c of changes) {
    const at = out.findIndex((p) => p.key === c.key)
    if (c.after && c.before) {
      if (at >= 0) out[at] = c.after
    } else if (c.after) {
      if (at >= 0) out[at] = c.after
      else out.splice(Math.min(Math.max(c.index, 0), out.length), 0, c.after)
    } else if (at >= 0) {
      out.splice(at, 1)
    }
  }
  return out
}

/** The change set that undoes `changes`. */
export function invertChanges(changes: ChangeSet): ChangeSet {
  const out: PolygonChange[] = []
  for (let k = changes.length - 1; k >= 0; k--) {
    const c = changes[k]!
    out.push({ key: c.key, before: c.after, after: c.before, index: c.index })
  }
  return out
}

export function addChange(list: readonly EditorPolygon[], poly: EditorPolygon, index = list.length): PolygonChange {
  return { key: poly.key, before: null, after: poly, index }
}

export function removeChange(list: readonly EditorPolygon[], key: string): PolygonChange | null {
  const index = list.findIndex((p) => p.key === key)
  if (index < 0) return null
  return { key, before: list[index]!, after: null, index }
}

export function updateChange(list: readonly EditorPolygon[], next: EditorPolygon): PolygonChange | null {
  const index = list.findIndex((p) => p.key === next.key)
  if (index < 0) return null
  return { key: next.key, before: list[index]!, after: next, index }
}

export function findPolygon(list: readonly EditorPolygon[], key: string | null): EditorPolygon | undefined {
  return key === null ? undefined : list.find((p) => p.key === key)
}

/** Copies of `source` for a frame of size `frame`: new keys, clipped, simple ones only. */
export function pasteChanges(list: readonly EditorPolygon[], source: readonly EditorPolygon[], frame: FrameSize): ChangeSet {
  const out: PolygonChange[] = []
  for (const p of source) {
    const points = clipToFrame(p.points, frame.width, frame.height).polygon
    if (!isValidPolygon(points) || !isSimple(points)) continue
    out.push(addChange(list, { key: newPolygonKey(), classId: p.classId, points, source: p.source }, list.length + out.length))
  }
  return out
}
