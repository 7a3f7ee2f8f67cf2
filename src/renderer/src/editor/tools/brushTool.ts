/**
 * Brush and eraser: one stroke (press, drag, release) adds to or cuts from
 * the selected polygon and is one undo step. With nothing selected the brush
 * paints a new polygon of the active class; the eraser needs a selection.
 * See geometry/brush.ts for how islands and holes are handled.
 */
import { addChange, findPolygon, removeChange, updateChange } from '../model/document'
import type { ChangeSet, EditorPolygon, PolygonChange } from '../model/types'
import { applyBrush } from '../geometry/brush'
import type { Tool, ToolHost, ToolKey, ToolPointer } from './tool'

type State = { kind: 'idle' } | { kind: 'stroke'; target: EditorPolygon | null; classId: number; points: number[] }

export class BrushTool implements Tool {
  private state: State = { kind: 'idle' }

  constructor(
    private readonly host: ToolHost,
    readonly mode: 'add' | 'erase'
  ) {}

  get name(): 'brush' | 'eraser' {
    return this.mode === 'add' ? 'brush' : 'eraser'
  }

  busy(): boolean {
    return this.state.kind === 'stroke'
  }

  pointerDown(p: ToolPointer): void {
    if (!this.host.frame()) return
    const sel = findPolygon(this.host.polygons(), this.host.selectedKey())
    const target = sel && this.host.editable(sel) ? sel : null
    if (!target && this.mode === 'erase') {
      this.host.notify('Select a polygon to erase from', 'error')
      return
    }
    const classId = target ? target.classId : this.host.activeClassId()
    if (!target) {
      const why = this.host.cannotDraw(classId)
      if (why || classId === null) {
        this.host.notify(why ?? 'Pick a class first', 'error')
        return
      }
    }
    this.state = { kind: 'stroke', target, classId: classId!, points: [p.x, p.y] }
    this.show(p)
  }

  pointerMove(p: ToolPointer): void {
    const s = this.state
    if (s.kind === 'stroke') {
      const n = s.points.length
      if (Math.hypot(p.x - s.points[n - 2]!, p.y - s.points[n - 1]!) >= 0.5) s.points.push(p.x, p.y)
    }
    this.show(p)
  }

  pointerUp(): void {
    const s = this.state
    if (s.kind !== 'stroke') return
    this.state = { kind: 'idle' }
    this.host.preview({ stroke: null })
    const frame = this.host.frame()
    if (!frame) return
    const result = applyBrush(s.target?.points ?? null, { points: s.points, radius: this.host.brushRadius() }, this.mode, frame)
    if (result.unchanged) return
    const list = this.host.polygons()
    const changes: PolygonChange[] = []
    let mainKey: string | null = null
    if (s.target) {
      const c = result.main ? updateChange(list, { ...s.target, points: result.main }) : removeChange(list, s.target.key)
      if (c) changes.push(c)
      mainKey = result.main ? s.target.key : null
    } else if (result.main) {
      const poly = { key: this.host.newKey(), classId: s.classId, points: result.main, source: 'manual' as const }
      changes.push(addChange(list, poly))
      mainKey = poly.key
    }
    let at = list.length + (s.target ? 0 : changes.length)
    for (const ring of result.others) {
      changes.push(addChange(list, { key: this.host.newKey(), classId: s.classId, points: ring, source: 'manual' }, at++))
    }
    this.commit(changes)
    this.host.select(mainKey)
    if (result.holeFilled) this.host.notify('Polygons cannot have holes: the enclosed part stays filled. Erase from the edge instead.', 'info')
  }

  private commit(changes: ChangeSet): void {
    if (changes.length > 0) this.host.commit(changes)
  }

  doubleClick(): void {}

  key(k: ToolKey): boolean {
    if (k === 'Escape' && this.state.kind === 'stroke') {
      this.state = { kind: 'idle' }
      this.host.preview({ stroke: null })
      return true
    }
    return false
  }

  finish(): void {
    if (this.state.kind === 'stroke') this.pointerUp()
    this.host.preview({ stroke: null, cursor: null })
  }

  private show(p: ToolPointer): void {
    const s = this.state
    this.host.preview({
      cursor: [p.x, p.y],
      stroke: s.kind === 'stroke' ? { points: s.points.slice(), radius: this.host.brushRadius(), mode: this.mode } : null
    })
  }
}
