/**
 * Select tool. On the selected polygon: drag a vertex; press on an edge to
 * insert a vertex there (and drag it); Alt+click or Delete removes a vertex
 * (never below three). Press inside any polygon to select it and drag to move
 * it by whole pixels. Delete with no vertex selected deletes the polygon.
 * A drag that would make the outline cross itself is shown red and undone on
 * release.
 */
import { isSimple, snapToPixelCentre } from '../../../../shared/geometry/polygon'
import { findPolygon, removeChange, updateChange } from '../model/document'
import type { EditorPolygon } from '../model/types'
import { clampOffset, deleteVertex, insertVertex, moveVertex, translate } from '../geometry/edit'
import { nearestEdge, nearestVertex, polygonAt } from '../geometry/hitTest'
import type { Tool, ToolHost, ToolKey, ToolPointer } from './tool'

type State =
  | { kind: 'idle' }
  | { kind: 'vertex'; original: EditorPolygon; index: number; points: number[]; changed: boolean; invalid: boolean }
  | { kind: 'move'; original: EditorPolygon; startX: number; startY: number; dx: number; dy: number }

export const CROSSING_MESSAGE = 'That would make the outline cross itself'

export class SelectTool implements Tool {
  readonly name = 'select' as const
  private state: State = { kind: 'idle' }

  constructor(private readonly host: ToolHost) {}

  busy(): boolean {
    return this.state.kind !== 'idle'
  }

  private selected(): EditorPolygon | undefined {
    const p = findPolygon(this.host.polygons(), this.host.selectedKey())
    return p && this.host.editable(p) ? p : undefined
  }

  pointerDown(p: ToolPointer): void {
    const frame = this.host.frame()
    if (!frame) return
    const sel = this.selected()
    if (sel) {
      const vi = nearestVertex(sel.points, p.x, p.y, p.tol)
      if (vi >= 0) {
        if (p.alt) {
          this.removeVertex(sel, vi)
          return
        }
        this.host.select(sel.key, vi)
        this.state = { kind: 'vertex', original: sel, index: vi, points: sel.points.slice(), changed: false, invalid: false }
        return
      }
      const edge = nearestEdge(sel.points, p.x, p.y, p.tol)
      if (edge) {
        const [x, y] = snapToPixelCentre(edge.x, edge.y, frame)
        const points = insertVertex(sel.points, edge.index, x, y)
        const invalid = !isSimple(points)
        this.host.select(sel.key, edge.index + 1)
        this.state = { kind: 'vertex', original: sel, index: edge.index + 1, points, changed: true, invalid }
        this.host.preview({ drag: { key: sel.key, points, invalid } })
        return
      }
    }
    const hit = polygonAt(this.host.hittable(), p.x, p.y, p.tol)
    if (!hit) {
      this.host.select(null)
      return
    }
    this.host.select(hit.key, null)
    this.state = { kind: 'move', original: hit, startX: p.x, startY: p.y, dx: 0, dy: 0 }
  }

  pointerMove(p: ToolPointer): void {
    const frame = this.host.frame()
    if (!frame) return
    const s = this.state
    if (s.kind === 'vertex') {
      const [x, y] = snapToPixelCentre(p.x, p.y, frame)
      if (s.points[2 * s.index] === x && s.points[2 * s.index + 1] === y) return
      s.points = moveVertex(s.points, s.index, x, y)
      s.changed = true
      s.invalid = !isSimple(s.points)
      this.host.preview({ drag: { key: s.original.key, points: s.points, invalid: s.invalid } })
    } else if (s.kind === 'move') {
      const [dx, dy] = clampOffset(s.original.points, p.x - s.startX, p.y - s.startY, frame)
      if (dx === s.dx && dy === s.dy) return
      s.dx = dx
      s.dy = dy
      this.host.preview({ drag: { key: s.original.key, points: translate(s.original.points, dx, dy), invalid: false } })
    }
  }

  pointerUp(): void {
    const s = this.state
    this.state = { kind: 'idle' }
    this.host.preview({ drag: null })
    if (s.kind === 'vertex') {
      if (!s.changed) return
      if (s.invalid) {
        this.host.notify(CROSSING_MESSAGE, 'error')
        this.host.select(s.original.key, null)
        return
      }
      this.commitPoints(s.original, s.points)
    } else if (s.kind === 'move' && (s.dx !== 0 || s.dy !== 0)) {
      this.commitPoints(s.original, translate(s.original.points, s.dx, s.dy))
    }
  }

  doubleClick(): void {}

  key(k: ToolKey): boolean {
    if (k === 'Escape') {
      if (this.state.kind !== 'idle') {
        const key = this.state.original.key
        this.state = { kind: 'idle' }
        this.host.preview({ drag: null })
        this.host.select(key, null)
        return true
      }
      if (this.host.selectedVertex() !== null) {
        this.host.select(this.host.selectedKey(), null)
        return true
      }
      if (this.host.selectedKey() !== null) {
        this.host.select(null)
        return true
      }
      return false
    }
    if ((k === 'Delete' || k === 'Backspace') && this.state.kind === 'idle') {
      const sel = this.selected()
      if (!sel) return false
      const vi = this.host.selectedVertex()
      if (vi !== null) this.removeVertex(sel, vi)
      else {
        const change = removeChange(this.host.polygons(), sel.key)
        if (change) this.host.commit([change])
        this.host.select(null)
      }
      return true
    }
    return false
  }

  finish(): void {
    if (this.state.kind !== 'idle') this.pointerUp()
  }

  private removeVertex(sel: EditorPolygon, index: number): void {
    const points = deleteVertex(sel.points, index)
    if (!points) {
      this.host.notify('A polygon keeps at least 3 vertices; delete the polygon instead', 'error')
      return
    }
    if (!isSimple(points)) {
      this.host.notify(CROSSING_MESSAGE, 'error')
      return
    }
    this.commitPoints(sel, points)
    const n = points.length / 2
    this.host.select(sel.key, Math.min(index, n - 1))
  }

  private commitPoints(original: EditorPolygon, points: number[]): void {
    const change = updateChange(this.host.polygons(), { ...original, points })
    if (change) this.host.commit([change])
  }
}
