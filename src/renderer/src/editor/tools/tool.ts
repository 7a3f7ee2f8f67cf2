/**
 * Tools are small state machines (tldraw's model): they read the editor
 * through ToolHost, show work in progress as a Preview, and commit one change
 * set per finished gesture, which is one undo step.
 */
import type { ChangeSet, EditorPolygon, FrameSize, ToolName } from '../model/types'

export interface ToolPointer {
  /** Image coordinates, not snapped. */
  readonly x: number
  readonly y: number
  /** Hit tolerance in image pixels (a constant screen distance at the current zoom). */
  readonly tol: number
  readonly alt: boolean
  readonly shift: boolean
}

export type ToolKey = 'Enter' | 'Backspace' | 'Delete' | 'Escape'

export interface DragPreview {
  readonly key: string
  readonly points: readonly number[]
  /** The shape would cross itself: shown in red, and not committed. */
  readonly invalid: boolean
}

export interface StrokePreview {
  readonly points: readonly number[]
  readonly radius: number
  readonly mode: 'add' | 'erase'
}

export interface Preview {
  /** Vertices of the polygon being drawn. */
  readonly draft: readonly number[] | null
  /** Where the next vertex would go (snapped), or the brush centre. */
  readonly cursor: readonly [number, number] | null
  readonly drag: DragPreview | null
  readonly stroke: StrokePreview | null
}

export const NO_PREVIEW: Preview = { draft: null, cursor: null, drag: null, stroke: null }

export interface ToolHost {
  frame(): FrameSize | null
  polygons(): readonly EditorPolygon[]
  /** Visible, unlocked polygons, topmost first. */
  hittable(): EditorPolygon[]
  selectedKey(): string | null
  selectedVertex(): number | null
  select(key: string | null, vertex?: number | null): void
  activeClassId(): number | null
  /** Null when new polygons of the class may be drawn, else why not. */
  cannotDraw(classId: number | null): string | null
  /** Whether the polygon's class is visible and unlocked. */
  editable(poly: EditorPolygon): boolean
  /** False when the label budget refused the change (the host has said why). */
  commit(changes: ChangeSet): boolean
  preview(p: Partial<Preview>): void
  notify(text: string, kind?: 'info' | 'error'): void
  brushRadius(): number
  newKey(): string
}

export interface Tool {
  readonly name: ToolName
  pointerDown(p: ToolPointer): void
  pointerMove(p: ToolPointer): void
  pointerUp(p: ToolPointer): void
  doubleClick(p: ToolPointer): void
  /** True when the tool used the key. */
  key(k: ToolKey): boolean
  /** Leaving the tool or the frame: keep what can be kept (a closable draft), drop the rest. */
  finish(): void
  /** A gesture or draft is in progress. */
  busy(): boolean
}
