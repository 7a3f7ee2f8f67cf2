/**
 * Polygon tool: click to add vertices (snapped to pixel centres); close by
 * clicking the first vertex, double-click or Enter; Backspace removes the
 * last vertex; Esc cancels. A vertex whose edge would cross the outline is
 * refused, and so is a closing edge that would.
 */
import { isSimple, snapToPixelCentre } from '../../../../shared/geometry/polygon'
import { polygonCountProblem } from '../../../../shared/labelBudget'
import { LABEL_LIMITS } from '../../../../shared/limits'
import { addChange } from '../model/document'
import { canExtendChain } from '../geometry/edit'
import type { Tool, ToolHost, ToolKey, ToolPointer } from './tool'

type State = { kind: 'idle' } | { kind: 'drawing'; points: number[] }

export class PolygonTool implements Tool {
  readonly name = 'polygon' as const
  private state: State = { kind: 'idle' }

  constructor(private readonly host: ToolHost) {}

  busy(): boolean {
    return this.state.kind === 'drawing'
  }

  pointerDown(p: ToolPointer): void {
    const frame = this.host.frame()
    if (!frame) return
    const why = this.host.cannotDraw(this.host.activeClassId())
    if (why) {
      this.host.notify(why, 'error')
      return
    }
    const [x, y] = snapToPixelCentre(p.x, p.y, frame)
    if (this.state.kind === 'idle') {
      // Said before the first click rather than after the last: a full frame takes no new polygon.
      const full = polygonCountProblem(this.host.polygons().length + 1)
      if (full) {
        this.host.notify(`Cannot draw another polygon: ${full}`, 'error')
        return
      }
      this.state = { kind: 'drawing', points: [x, y] }
      this.host.select(null)
      this.show(x, y)
      return
    }
    const pts = this.state.points
    const n = pts.length / 2
    const onFirst = Math.hypot(p.x - pts[0]!, p.y - pts[1]!) <= p.tol || (x === pts[0] && y === pts[1])
    if (n >= 3 && onFirst) {
      this.close()
      return
    }
    // The second press of a double-click lands on the vertex just added.
    if (x === pts[pts.length - 2] && y === pts[pts.length - 1]) return
    if (!canExtendChain(pts, x, y)) {
      this.host.notify('That edge would cross the outline', 'error')
      return
    }
    if (n >= LABEL_LIMITS.pointsPerPolygon) {
      this.host.notify(`A polygon has at most ${LABEL_LIMITS.pointsPerPolygon.toLocaleString('en-US')} points (what can be saved): close this one`, 'error')
      return
    }
    pts.push(x, y)
    this.show(x, y)
  }

  pointerMove(p: ToolPointer): void {
    const frame = this.host.frame()
    if (!frame || this.state.kind !== 'drawing') return
    const [x, y] = snapToPixelCentre(p.x, p.y, frame)
    this.host.preview({ cursor: [x, y] })
  }

  pointerUp(): void {}

  doubleClick(): void {
    if (this.state.kind === 'drawing') this.close()
  }

  key(k: ToolKey): boolean {
    if (this.state.kind !== 'drawing') return false
    if (k === 'Enter') {
      this.close()
      return true
    }
    if (k === 'Escape') {
      this.cancel()
      return true
    }
    if (k === 'Backspace' || k === 'Delete') {
      const pts = this.state.points
      pts.length -= 2
      if (pts.length === 0) this.cancel()
      else this.host.preview({ draft: pts.slice() })
      return true
    }
    return false
  }

  finish(): void {
    if (this.state.kind === 'drawing' && !this.close(true)) this.cancel()
  }

  /** Commits the draft as a polygon of the active class. False (with a message unless quiet) when it cannot close. */
  private close(quiet = false): boolean {
    if (this.state.kind !== 'drawing') return false
    const pts = this.state.points
    const classId = this.host.activeClassId()
    if (pts.length < 6) {
      if (!quiet) this.host.notify('A polygon needs at least 3 vertices', 'error')
      return false
    }
    if (!isSimple(pts)) {
      if (!quiet) this.host.notify('The closing edge would cross the outline', 'error')
      return false
    }
    if (classId === null || this.host.cannotDraw(classId)) {
      if (!quiet) this.host.notify(this.host.cannotDraw(classId) ?? 'Pick a class first', 'error')
      return false
    }
    const poly = { key: this.host.newKey(), classId, points: pts.slice(), source: 'manual' as const }
    this.state = { kind: 'idle' }
    this.host.preview({ draft: null, cursor: null })
    this.host.commit([addChange(this.host.polygons(), poly)])
    this.host.select(poly.key)
    return true
  }

  private cancel(): void {
    this.state = { kind: 'idle' }
    this.host.preview({ draft: null, cursor: null })
  }

  private show(x: number, y: number): void {
    if (this.state.kind === 'drawing') this.host.preview({ draft: this.state.points.slice(), cursor: [x, y] })
  }
}
