/**
 * An editing session: the frames opened so far (polygons, history, save
 * state) and the autosaver. It outlives the editor screen, so undo history
 * survives frame switches and closing/reopening the editor, and saves still
 * in flight or retrying finish after the screen closes.
 */
import type { ImageDetail, Label } from '../../../../shared/contract'
import type { ImageStatus, ViewOrUnassigned } from '../../../../shared/domain'
import { fitChanges } from './budget'
import { pasteChanges } from './document'
import { FrameState } from './frameState'
import type { LabelDraft } from './labelsSync'
import { AutoSaver } from './saver'
import type { ClassPref, EditorPolygon, FrameSize } from './types'

/** The part of window.api the session uses (StudioApi satisfies it). */
export interface SessionApi {
  labels: {
    list(args: { imageId: number }): Promise<Label[]>
    save(args: { imageId: number; labels: LabelDraft[]; status?: ImageStatus }): Promise<Label[]>
  }
  images: {
    get(args: { id: number }): Promise<ImageDetail>
    ids(args: { filter: { views?: ViewOrUnassigned[] } }): Promise<number[]>
    setStatus(args: { ids: number[]; status: ImageStatus }): Promise<{ changed: number }>
  }
}

/** How long prefetched labels count as current. */
const PREFETCH_FRESH_MS = 5000

export interface LoadedFrame {
  frame: FrameState
  detail: ImageDetail
}

export class EditorSession {
  readonly frames = new Map<number, FrameState>()
  readonly saver: AutoSaver
  private readonly listeners = new Set<(frame: FrameState) => void>()
  /** Hidden and locked classes, kept while the editor is closed and reopened. */
  classPrefs: ReadonlyMap<number, ClassPref> = new Map()
  /** Round-trip times of accepted saves, for the benchmark. */
  readonly saveTimes: number[] = []
  private readonly prefetched = new Map<number, { at: number; data: Promise<[Label[], ImageDetail]> }>()

  constructor(private readonly api: SessionApi) {
    this.saver = new AutoSaver({
      save: (imageId, labels, status) => api.labels.save(status ? { imageId, labels, status } : { imageId, labels }),
      list: (imageId) => api.labels.list({ imageId }),
      onChange: (frame) => this.emit(frame),
      onSaved: (frame, ms) => {
        this.saveTimes.push(ms)
        void this.refreshStatus(frame)
      }
    })
  }

  onChange(listener: (frame: FrameState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(frame: FrameState): void {
    for (const l of this.listeners) l(frame)
  }

  /** An edit was applied to `frame`: save it soon. */
  readonly edited = (frame: FrameState): void => {
    this.saver.schedule(frame)
  }

  /**
   * The frame's state: the one this session already holds when it has
   * unsaved edits or the server still has what we last saw (keeping its
   * history), else fresh from the server.
   */
  async load(imageId: number, size?: FrameSize): Promise<LoadedFrame> {
    const early = this.prefetched.get(imageId)
    this.prefetched.delete(imageId)
    const fresh = early && !this.frames.has(imageId) && Date.now() - early.at < PREFETCH_FRESH_MS ? early.data.catch(() => null) : null
    const [labels, detail] = (await fresh) ?? (await Promise.all([this.api.labels.list({ imageId }), this.api.images.get({ id: imageId })]))
    const held = this.frames.get(imageId)
    if (held && (held.dirty || held.saving || held.matchesServer(labels))) {
      held.status = detail.status
      return { frame: held, detail }
    }
    const frame = new FrameState(imageId, size?.width ?? detail.width, size?.height ?? detail.height, labels, detail.status)
    this.frames.set(imageId, frame)
    return { frame, detail }
  }

  /**
   * Fetches a frame's labels and detail ahead of a switch to it. Used only for
   * a first visit, within a few seconds: a frame this session already holds
   * (it may have saved there since) always reloads.
   */
  prefetch(imageId: number): void {
    if (this.frames.has(imageId) || this.prefetched.has(imageId)) return
    const data = Promise.all([this.api.labels.list({ imageId }), this.api.images.get({ id: imageId })])
    data.catch(() => this.prefetched.delete(imageId))
    this.prefetched.set(imageId, { at: Date.now(), data })
    for (const [id, p] of this.prefetched) if (Date.now() - p.at > PREFETCH_FRESH_MS) this.prefetched.delete(id)
  }

  flush(frame: FrameState): Promise<void> {
    return this.saver.flush(frame)
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.frames.values()].filter((f) => f.dirty || f.saving).map((f) => this.saver.flush(f)))
  }

  /** Frames whose edits the server does not hold yet. */
  unsaved(): FrameState[] {
    return [...this.frames.values()].filter((f) => f.dirty || f.saving)
  }

  async setStatus(frame: FrameState, status: ImageStatus): Promise<void> {
    await this.api.images.setStatus({ ids: [frame.imageId], status })
    frame.status = status
    this.emit(frame)
  }

  /** Saving labels can change the status (unlabeled <-> labeled) on the server. */
  async refreshStatus(frame: FrameState): Promise<void> {
    try {
      const detail = await this.api.images.get({ id: frame.imageId })
      if (detail.status !== frame.status) {
        frame.status = detail.status
        this.emit(frame)
      }
    } catch {
      // Only a display refresh; the next save or load tries again.
    }
  }

  /** The frame after `imageId` in its view's strip order, or null at the end. */
  async nextInView(imageId: number, view: ViewOrUnassigned): Promise<number | null> {
    const ids = await this.api.images.ids({ filter: { views: [view] } })
    const at = ids.indexOf(imageId)
    return at >= 0 && at + 1 < ids.length ? ids[at + 1]! : null
  }

  /**
   * True when pasting `polygons` into the frame would turn it from normal to
   * labelled (it is marked normal and a defect polygon would land on it): the
   * editor asks before doing that.
   */
  async pasteChangesNormal(imageId: number, polygons: readonly EditorPolygon[], isDefect: (classId: number) => boolean): Promise<boolean> {
    const { frame } = await this.load(imageId)
    return frame.status === 'normal' && pasteChanges(frame.polygons, polygons, frame).some((c) => c.after && isDefect(c.after.classId))
  }

  /**
   * Adds copies of `polygons` to another frame as one undo step there, and
   * saves. When that puts a defect on a normal frame, the step marks it
   * labelled and its undo marks it normal again (the status goes with the save).
   */
  async pasteInto(imageId: number, polygons: readonly EditorPolygon[], isDefect?: (classId: number) => boolean): Promise<number> {
    const { frame } = await this.load(imageId)
    const fitted = fitChanges(frame.polygons, pasteChanges(frame.polygons, polygons, frame))
    if ('refused' in fitted) throw new Error(fitted.refused)
    const changes = fitted.changes
    const defect = isDefect !== undefined && changes.some((c) => c.after && isDefect(c.after.classId))
    frame.apply(changes, true, frame.status === 'normal' && defect ? { before: 'normal', after: 'labeled' } : undefined)
    this.emit(frame)
    await this.saver.flush(frame)
    if (frame.error) throw new Error(frame.error)
    return changes.length
  }
}

const sessions = new Map<string, EditorSession>()

/** One session per workspace for the life of the page. */
export function sessionFor(workspaceKey: string, api: SessionApi): EditorSession {
  let s = sessions.get(workspaceKey)
  if (!s) sessions.set(workspaceKey, (s = new EditorSession(api)))
  return s
}
