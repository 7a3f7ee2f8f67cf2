/**
 * The editor's state and input handling, without React or the DOM: the UI
 * renders snapshots and forwards pointer and key input here. It edits the
 * attached FrameState (owned by the session, CVAT's rule: the canvas does not
 * own the labels) and tells the session after every edit so it can save.
 */
import type { ClassDef } from '../../../../shared/contract'
import type { ImageStatus } from '../../../../shared/domain'
import { fitChanges } from './budget'
import { addChange, findPolygon, pasteChanges, updateChange } from './document'
import { drawOrder, sortedClasses } from './classOrder'
import type { FrameState } from './frameState'
import { runCommand } from './coreCommands'
import type { Command } from './keymap'
import { newPolygonKey, type ChangeSet, type ClassPref, type EditorPolygon, type FrameSize, type ToolName } from './types'
import { IDENTITY, fitView, oneToOne, panBy, screenToImage, zoomAt, type View, type Viewport } from '../geometry/viewport'
import { BrushTool } from '../tools/brushTool'
import { PolygonTool } from '../tools/polygonTool'
import { SelectTool } from '../tools/selectTool'
import { NO_PREVIEW, type Preview, type Tool, type ToolHost, type ToolPointer } from '../tools/tool'

/** Hit distance on screen, whatever the zoom. */
export const HIT_PX = 8
export const BRUSH_RADIUS = { initial: 8, min: 1, max: 200 }

export interface Message {
  readonly id: number
  readonly text: string
  readonly kind: 'info' | 'error'
}

/** A question the message line asks before an edit that changes more than polygons. */
export interface Confirmation {
  readonly id: number
  readonly text: string
  /** The label of the button that goes ahead. */
  readonly yes: string
}

export interface EditorSnapshot {
  readonly frame: (FrameSize & { readonly imageId: number }) | null
  readonly polygons: readonly EditorPolygon[]
  readonly selectedKey: string | null
  readonly selectedVertex: number | null
  readonly tool: ToolName
  readonly activeClassId: number | null
  readonly classes: readonly ClassDef[]
  readonly classPrefs: ReadonlyMap<number, ClassPref>
  readonly preview: Preview
  readonly view: View
  readonly viewport: Viewport
  readonly brushRadius: number
  readonly message: Message | null
  readonly confirm: Confirmation | null
  readonly canUndo: boolean
  readonly canRedo: boolean
  readonly dirty: boolean
  readonly saving: boolean
  readonly saveError: string | null
  readonly status: ImageStatus | null
}

const NO_PREF: ClassPref = { hidden: false, locked: false }

export class EditorCore implements ToolHost {
  private snap: EditorSnapshot
  private readonly listeners = new Set<() => void>()
  private fs: FrameState | null = null
  private readonly tools: Record<ToolName, Tool>
  /** Polygons copied with Ctrl+C, pasted with Ctrl+V into any frame. */
  clipboard: EditorPolygon[] = []
  private messageId = 0
  private onConfirm: (() => void) | null = null

  /** `onEdited` runs after every change of the attached frame's polygons (the session saves). */
  constructor(
    private readonly onEdited: (frame: FrameState) => void,
    classes: readonly ClassDef[] = []
  ) {
    const sorted = sortedClasses(classes)
    this.snap = {
      frame: null,
      polygons: [],
      selectedKey: null,
      selectedVertex: null,
      tool: 'polygon',
      activeClassId: sorted[0]?.id ?? null,
      classes: sorted,
      classPrefs: new Map(),
      preview: NO_PREVIEW,
      view: IDENTITY,
      viewport: { width: 0, height: 0 },
      brushRadius: BRUSH_RADIUS.initial,
      message: null,
      confirm: null,
      canUndo: false,
      canRedo: false,
      dirty: false,
      saving: false,
      saveError: null,
      status: null
    }
    this.tools = {
      select: new SelectTool(this),
      polygon: new PolygonTool(this),
      brush: new BrushTool(this, 'add'),
      eraser: new BrushTool(this, 'erase')
    }
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  readonly getSnapshot = (): EditorSnapshot => this.snap

  private set(patch: Partial<EditorSnapshot>): void {
    this.snap = { ...this.snap, ...patch }
    for (const l of this.listeners) l()
  }

  get frameState(): FrameState | null {
    return this.fs
  }

  get activeTool(): Tool {
    return this.tools[this.snap.tool]
  }

  setClasses(classes: readonly ClassDef[]): void {
    const sorted = sortedClasses(classes)
    const active = sorted.some((c) => c.id === this.snap.activeClassId) ? this.snap.activeClassId : (sorted[0]?.id ?? null)
    this.set({ classes: sorted, activeClassId: active })
  }

  /** Shows another frame (or none). A draft that can close is committed to the frame it was drawn on. */
  attach(fs: FrameState | null): void {
    this.activeTool.finish()
    this.fs = fs
    // A question about the frame being left no longer applies.
    this.onConfirm = null
    this.set({
      confirm: null,
      frame: fs ? { imageId: fs.imageId, width: fs.width, height: fs.height } : null,
      selectedKey: null,
      selectedVertex: null,
      preview: NO_PREVIEW,
      ...this.frameFields()
    })
  }

  /** The attached frame changed outside the core (a save adopted server ids, a status change). */
  refresh(fs: FrameState): void {
    if (fs !== this.fs) return
    const selectedKey = findPolygon(fs.polygons, this.snap.selectedKey) ? this.snap.selectedKey : null
    this.set({ ...this.frameFields(), selectedKey, selectedVertex: selectedKey ? this.snap.selectedVertex : null })
  }

  private frameFields(): Pick<EditorSnapshot, 'polygons' | 'canUndo' | 'canRedo' | 'dirty' | 'saving' | 'saveError' | 'status'> {
    const fs = this.fs
    return {
      polygons: fs?.polygons ?? [],
      canUndo: fs?.history.canUndo ?? false,
      canRedo: fs?.history.canRedo ?? false,
      dirty: fs ? fs.dirty || fs.saving : false,
      saving: fs?.saving ?? false,
      saveError: fs?.error ?? null,
      status: fs?.status ?? null
    }
  }

  // ---- view ----

  setViewport(vp: Viewport): void {
    this.set({ viewport: vp })
  }

  setView(view: View): void {
    this.set({ view })
  }

  fit(): void {
    if (this.snap.frame) this.set({ view: fitView(this.snap.frame, this.snap.viewport) })
  }

  oneToOne(): void {
    this.set({ view: oneToOne(this.snap.view, this.snap.viewport) })
  }

  zoomAt(sx: number, sy: number, factor: number): void {
    this.set({ view: zoomAt(this.snap.view, sx, sy, factor) })
  }

  panBy(dx: number, dy: number): void {
    this.set({ view: panBy(this.snap.view, dx, dy) })
  }

  /** A pointer position in canvas CSS pixels as the tools see it. */
  toolPointer(sx: number, sy: number, mods: { alt: boolean; shift: boolean }): ToolPointer {
    const [x, y] = screenToImage(this.snap.view, sx, sy)
    return { x, y, tol: HIT_PX / this.snap.view.scale, alt: mods.alt, shift: mods.shift }
  }

  // ---- input ----

  pointerDown(p: ToolPointer): void {
    if (this.fs) this.activeTool.pointerDown(p)
  }

  pointerMove(p: ToolPointer): void {
    if (this.fs) this.activeTool.pointerMove(p)
  }

  pointerUp(p: ToolPointer): void {
    if (this.fs) this.activeTool.pointerUp(p)
  }

  doubleClick(p: ToolPointer): void {
    if (this.fs) this.activeTool.doubleClick(p)
  }

  setTool(tool: ToolName): void {
    if (tool === this.snap.tool) return
    this.activeTool.finish()
    this.set({ tool, preview: NO_PREVIEW })
  }

  /** Handles the commands that need no I/O; false for the rest (frame moves, status, copy to next). */
  command(cmd: Command): boolean {
    return runCommand(this, cmd)
  }

  /** Undo or redo a step of the attached frame; while a gesture runs, nothing. */
  step(which: 'undo' | 'redo'): boolean {
    const fs = this.fs
    if (!fs || this.activeTool.busy()) return false
    const changes = which === 'undo' ? fs.undo() : fs.redo()
    if (!changes) return true
    this.onEdited(fs)
    const touched = changes[changes.length - 1]
    const key = touched?.after ? touched.key : null
    this.set({ ...this.frameFields(), selectedKey: key, selectedVertex: null })
    return true
  }

  /** Picks the class at a key position; with the select tool, recolours the selected polygon too. */
  pickClass(index: number): boolean {
    const cls = this.snap.classes[index]
    if (!cls) return false
    this.set({ activeClassId: cls.id })
    if (this.snap.tool !== 'select') return true
    const sel = findPolygon(this.snap.polygons, this.snap.selectedKey)
    if (sel && sel.classId !== cls.id && this.editable(sel)) {
      const why = this.cannotDraw(cls.id)
      if (why) this.notify(why, 'error')
      else this.commit([updateChange(this.snap.polygons, { ...sel, classId: cls.id })!])
    }
    return true
  }

  togglePref(classId: number, which: 'hidden' | 'locked'): void {
    const prefs = new Map(this.snap.classPrefs)
    const cur = prefs.get(classId) ?? NO_PREF
    prefs.set(classId, { ...cur, [which]: !cur[which] })
    const sel = findPolygon(this.snap.polygons, this.snap.selectedKey)
    const keepSel = sel && sel.classId === classId ? false : true
    this.set({ classPrefs: prefs, ...(keepSel ? {} : { selectedKey: null, selectedVertex: null }) })
  }

  setClassPrefs(prefs: ReadonlyMap<number, ClassPref>): void {
    this.set({ classPrefs: prefs })
  }

  /** Scales the brush radius, by at least one pixel, within BRUSH_RADIUS. */
  resizeBrush(factor: number): void {
    const cur = this.snap.brushRadius
    let r = Math.round(cur * factor)
    if (r === cur) r += Math.sign(factor - 1)
    this.set({ brushRadius: Math.min(BRUSH_RADIUS.max, Math.max(BRUSH_RADIUS.min, r)) })
  }

  setActiveClass(classId: number): void {
    const index = this.snap.classes.findIndex((c) => c.id === classId)
    if (index >= 0) this.pickClass(index)
  }

  /** The selected polygon, or every visible one. */
  polygonsToCopy(): EditorPolygon[] {
    const sel = findPolygon(this.snap.polygons, this.snap.selectedKey)
    if (sel) return [sel]
    return this.snap.polygons.filter((p) => !this.pref(p.classId).hidden)
  }

  /** Adds copies of `polygons` (clipped to this frame) as one undo step. */
  paste(polygons: readonly EditorPolygon[]): number {
    const fs = this.fs
    if (!fs || polygons.length === 0) return 0
    const changes = pasteChanges(fs.polygons, polygons, fs)
    // Refused (over the label budget): the commit said why.
    if (changes.length > 0 && !this.commit(changes)) return 0
    const last = changes[changes.length - 1]
    if (last) this.select(last.key)
    this.notify(`Pasted ${changes.length} polygon${changes.length === 1 ? '' : 's'}`)
    return changes.length
  }

  /** Adds polygons (accepted predictions) as one undo step; false when the label budget refused them (and said why). */
  addPolygons(polys: readonly Omit<EditorPolygon, 'key'>[]): boolean {
    const fs = this.fs
    if (!fs || polys.length === 0) return false
    const changes = polys.map((p, k) => addChange(fs.polygons, { ...p, key: newPolygonKey() }, fs.polygons.length + k))
    return this.commit(changes)
  }

  // ---- ToolHost ----

  frame(): FrameSize | null {
    return this.snap.frame
  }

  polygons(): readonly EditorPolygon[] {
    return this.fs?.polygons ?? []
  }

  hittable(): EditorPolygon[] {
    return drawOrder(this.polygons(), this.snap.classes)
      .filter((p) => this.editable(p))
      .reverse()
  }

  selectedKey(): string | null {
    return this.snap.selectedKey
  }

  selectedVertex(): number | null {
    return this.snap.selectedVertex
  }

  select(key: string | null, vertex: number | null = null): void {
    if (key === this.snap.selectedKey && vertex === this.snap.selectedVertex) return
    this.set({ selectedKey: key, selectedVertex: key === null ? null : vertex })
  }

  activeClassId(): number | null {
    return this.snap.activeClassId
  }

  pref(classId: number): ClassPref {
    return this.snap.classPrefs.get(classId) ?? NO_PREF
  }

  cannotDraw(classId: number | null): string | null {
    if (classId === null) return 'Pick a class first'
    const cls = this.snap.classes.find((c) => c.id === classId)
    if (!cls) return `No class with id ${classId}`
    if (this.pref(classId).locked) return `Class ${cls.name} is locked`
    return null
  }

  editable(poly: EditorPolygon): boolean {
    const pref = this.pref(poly.classId)
    return !pref.hidden && !pref.locked
  }

  /** Applies one undo step, held to the label budget first; false when refused (the message line says why). */
  commit(proposed: ChangeSet): boolean {
    const fs = this.fs
    if (!fs || proposed.length === 0) return false
    const fitted = fitChanges(fs.polygons, proposed)
    if ('refused' in fitted) {
      this.notify(fitted.refused, 'error')
      return false
    }
    const changes = fitted.changes
    fs.apply(changes)
    // Drawing into a hidden class shows it again, so nothing is created out of sight.
    let prefs: Map<number, ClassPref> | null = null
    for (const c of changes) {
      if (c.after && !c.before && this.pref(c.after.classId).hidden) {
        prefs ??= new Map(this.snap.classPrefs)
        prefs.set(c.after.classId, { ...this.pref(c.after.classId), hidden: false })
      }
    }
    this.onEdited(fs)
    this.set({ ...this.frameFields(), ...(prefs ? { classPrefs: prefs } : {}) })
    if (fitted.note) this.notify(fitted.note)
    return true
  }

  preview(p: Partial<Preview>): void {
    this.set({ preview: { ...this.snap.preview, ...p } })
  }

  /** Asks in the message line; `onYes` runs only if the answer is yes. A newer question replaces an open one. */
  ask(text: string, yes: string, onYes: () => void): void {
    this.onConfirm = onYes
    this.set({ confirm: { id: ++this.messageId, text, yes } })
  }

  answer(accepted: boolean): void {
    const run = this.onConfirm
    this.onConfirm = null
    if (!this.snap.confirm) return
    this.set({ confirm: null })
    if (accepted && run) run()
  }

  notify(text: string, kind: 'info' | 'error' = 'info'): void {
    this.set({ message: { id: ++this.messageId, text, kind } })
  }

  brushRadius(): number {
    return this.snap.brushRadius
  }

  newKey(): string {
    return newPolygonKey()
  }
}
