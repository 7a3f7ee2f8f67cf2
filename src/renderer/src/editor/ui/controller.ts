/**
 * The editor screen's I/O: which frame is open, loading it (image, labels,
 * detail) and its neighbours, statuses, copying to the next frame of the
 * view, and closing without losing an edit. The pure editing lives in
 * EditorCore; this is the part that talks to window.api.
 */
import type { ImageDetail, StudioApi } from '../../../../shared/contract'
import { errorMessage } from '../../../../shared/contract/errors'
import type { ImageStatus } from '../../../../shared/domain'
import type { EditorCore } from '../model/editorCore'
import type { Command } from '../model/keymap'
import type { EditorSession } from '../model/session'
import { FrameImages, type DecodedFrame } from './frameImages'

export interface NavState {
  index: number
  detail: ImageDetail | null
  image: DecodedFrame | null
  loading: boolean
  error: string | null
  /** Set while closing waits for saves, and when they failed. */
  closing: boolean
  closeError: string | null
  /** Id of the frame whose image and labels are on screen; e2e and the bench wait on it. */
  shownId: number | null
}

export interface ControllerOptions {
  core: EditorCore
  session: EditorSession
  api: StudioApi
  imageIds: readonly number[]
  onClose(): void
  onStatusChanged?(): void
}

export class EditorController {
  private nav: NavState
  private readonly listeners = new Set<() => void>()
  private seq = 0
  readonly images: FrameImages
  private disposed = false

  constructor(private readonly o: ControllerOptions) {
    this.images = new FrameImages((id) => o.api.images.frame({ id }))
    this.nav = { index: -1, detail: null, image: null, loading: false, error: null, closing: false, closeError: null, shownId: null }
  }

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  readonly getSnapshot = (): NavState => this.nav

  private set(patch: Partial<NavState>): void {
    this.nav = { ...this.nav, ...patch }
    for (const l of this.listeners) l()
  }

  get imageIds(): readonly number[] {
    return this.o.imageIds
  }

  /** Opens the frame at `index` of the filter's list. The frame being left keeps its edits and saves now. */
  async go(index: number): Promise<void> {
    const ids = this.o.imageIds
    if (index < 0 || index >= ids.length || this.disposed) return
    const token = ++this.seq
    const { core, session } = this.o
    const leaving = core.frameState
    core.activeTool.finish()
    if (leaving) void session.flush(leaving)
    const id = ids[index]!
    this.set({ index, loading: true, error: null })
    try {
      const [image, loaded] = await Promise.all([this.images.get(id), session.load(id)])
      if (token !== this.seq || this.disposed) return
      const prev = core.getSnapshot().frame
      const sameSize = prev !== null && prev.width === loaded.frame.width && prev.height === loaded.frame.height
      core.attach(loaded.frame)
      // Adjacent frames of a strip share a size: keep the zoom and place to compare them.
      if (!sameSize) core.fit()
      this.set({ detail: loaded.detail, image, loading: false, shownId: id })
      const around = [ids[index + 1], ids[index - 1]].filter((v): v is number => v !== undefined)
      this.images.prefetch(around)
      for (const n of around) session.prefetch(n)
    } catch (err) {
      if (token === this.seq) this.set({ loading: false, error: `Could not open frame ${id}: ${errorMessage(err)}` })
    }
  }

  next(): void {
    if (this.nav.index + 1 < this.o.imageIds.length) void this.go(this.nav.index + 1)
    else this.o.core.notify('This is the last frame of the filter')
  }

  prev(): void {
    if (this.nav.index > 0) void this.go(this.nav.index - 1)
    else this.o.core.notify('This is the first frame of the filter')
  }

  /** Commands the core leaves to the screen. */
  command(cmd: Command): boolean {
    switch (cmd.type) {
      case 'next':
        this.next()
        return true
      case 'prev':
        this.prev()
        return true
      case 'markNormal':
        void this.setStatus('normal')
        return true
      case 'markDone':
        void this.setStatus('labeled')
        return true
      case 'copyToNext':
        void this.copyToNext()
        return true
      default:
        return false
    }
  }

  async setStatus(status: ImageStatus): Promise<void> {
    const { core, session } = this.o
    const frame = core.frameState
    if (!frame) return
    if (status === 'normal') {
      const defects = new Set(core.getSnapshot().classes.filter((c) => c.kind === 'defect').map((c) => c.id))
      const n = frame.polygons.filter((p) => defects.has(p.classId)).length
      if (n > 0) {
        core.notify(`This frame has ${n} defect polygon${n === 1 ? '' : 's'}: delete ${n === 1 ? 'it' : 'them'} before marking it normal`, 'error')
        return
      }
    }
    try {
      // Saved labels first, so a pending save cannot flip the status back afterwards.
      await session.flush(frame)
      await session.setStatus(frame, status)
      core.refresh(frame)
      core.notify(`Marked ${status === 'labeled' ? 'done' : status}`)
      this.o.onStatusChanged?.()
    } catch (err) {
      core.notify(`Could not set the status: ${errorMessage(err)}`, 'error')
    }
  }

  /**
   * Copies the selected polygon (or all visible ones) into the next frame of
   * this frame's view. A defect copied onto a frame marked normal would make
   * it labelled: that is asked first, and undoing the paste there marks it
   * normal again.
   */
  async copyToNext(): Promise<void> {
    const { core, session } = this.o
    const frame = core.frameState
    const detail = this.nav.detail
    if (!frame || !detail) return
    const polygons = core.polygonsToCopy()
    if (polygons.length === 0) {
      core.notify('Nothing to copy', 'error')
      return
    }
    const fail = (err: unknown): void => core.notify(`Could not copy to the next frame: ${errorMessage(err)}`, 'error')
    const isDefect = (classId: number): boolean => core.getSnapshot().classes.some((c) => c.id === classId && c.kind === 'defect')
    try {
      const target = await session.nextInView(frame.imageId, detail.view)
      if (target === null) {
        core.notify(`No frame after this one in ${detail.view}`, 'error')
        return
      }
      const paste = async (): Promise<void> => {
        const n = await session.pasteInto(target, polygons, isDefect)
        core.notify(`Copied ${n} polygon${n === 1 ? '' : 's'} to the next ${detail.view} frame (#${target})`)
        this.o.onStatusChanged?.()
      }
      if (await session.pasteChangesNormal(target, polygons, isDefect)) {
        core.ask(
          `The next ${detail.view} frame (#${target}) is marked normal: copying defect polygons there marks it labelled (undo there marks it normal again).`,
          'Copy and mark labelled',
          () => void paste().catch(fail)
        )
        return
      }
      await paste()
    } catch (err) {
      fail(err)
    }
  }

  /** Closes once every edit is saved; if a save fails, stays open and says why (closeAnyway leaves it retrying). */
  async close(): Promise<void> {
    const { core, session } = this.o
    core.activeTool.finish()
    this.set({ closing: true, closeError: null })
    await session.flushAll()
    const failed = session.unsaved()
    if (failed.length > 0) {
      this.set({ closing: false, closeError: failed.map((f) => `frame ${f.imageId}: ${f.error ?? 'not saved'}`).join('; ') })
      return
    }
    this.set({ closing: false })
    this.o.onClose()
  }

  closeAnyway(): void {
    this.o.onClose()
  }

  dispose(): void {
    this.disposed = true
    this.o.core.activeTool.finish()
    void this.o.session.flushAll()
    this.images.dispose()
  }
}
