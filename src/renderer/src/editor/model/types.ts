/** The editor's own vocabulary. Pure data: the model, tools and geometry never touch the DOM. */
import type { LabelSource } from '../../../../shared/domain'

/**
 * One polygon as the editor holds it. Immutable: every edit makes a new
 * object, so caches (fill bitmaps, areas) can key on identity.
 * `key` is local and stable for the polygon's life in this session; the
 * server's label id is tracked separately (see FrameState.serverIds), because
 * a polygon deleted, saved, then restored by undo is a new label to the server.
 */
export interface EditorPolygon {
  readonly key: string
  readonly classId: number
  /** Flat [x0, y0, x1, y1, ...] in image pixels, origin at the top-left corner. */
  readonly points: readonly number[]
  readonly source: LabelSource
}

/** One recorded edit of one polygon; before/after null mean created/deleted. */
export interface PolygonChange {
  readonly key: string
  readonly before: EditorPolygon | null
  readonly after: EditorPolygon | null
  /** Position in the list: where a created polygon goes, where a deleted one was. */
  readonly index: number
}

/** What one undo step holds: one click, one drag, one brush stroke, one paste. */
export type ChangeSet = readonly PolygonChange[]

export interface FrameSize {
  readonly width: number
  readonly height: number
}

export type ToolName = 'select' | 'polygon' | 'brush' | 'eraser'

export interface ClassPref {
  readonly hidden: boolean
  readonly locked: boolean
}

let nextKey = 1
/** A session-unique key for a polygon that has no server id yet. */
export function newPolygonKey(): string {
  return `n${nextKey++}`
}

/** The key a label loaded from the server gets. */
export function serverKey(id: number): string {
  return `L${id}`
}
