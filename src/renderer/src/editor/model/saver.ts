/**
 * Autosave: every edit schedules a save of its frame's whole label set after
 * a short debounce; flush() saves at once (frame switch, close). Saves run one
 * at a time across all frames, so two never overlap. A failed save keeps the
 * edits, keeps the frame dirty, records the error and retries with backoff
 * (except invalid_argument, which only a new edit can fix).
 */
import type { Label } from '../../../../shared/contract'
import type { ImageStatus } from '../../../../shared/domain'
// errors.ts directly: the contract's index pulls in zod, which the renderer does not need.
import { errorCode, errorMessage } from '../../../../shared/contract/errors'
import type { FrameState } from './frameState'
import { toDrafts, type LabelDraft } from './labelsSync'

export const DEBOUNCE_MS = 300
const RETRY_MS = [1000, 2000, 4000, 8000, 15000]

export interface SaverDeps {
  /** `status`, when given, is the frame's status after the save (FrameState.statusToSave). */
  save(imageId: number, labels: LabelDraft[], status?: ImageStatus): Promise<Label[]>
  /** Lists the frame's labels, to recover from a conflict (a label deleted elsewhere). */
  list(imageId: number): Promise<Label[]>
  /** Called after every state change of a frame (dirty, saving, saved, error). */
  onChange(frame: FrameState): void
  /** Called after a save the server accepted, with how long the call took. */
  onSaved?(frame: FrameState, ms: number): void
  setTimer?(fn: () => void, ms: number): unknown
  clearTimer?(handle: unknown): void
  now?(): number
}

interface Pending {
  debounce: unknown
  retry: unknown
  attempts: number
  waiters: (() => void)[]
}

export class AutoSaver {
  private readonly queue: FrameState[] = []
  private readonly pending = new Map<FrameState, Pending>()
  private running = false
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (handle: unknown) => void
  private readonly now: () => number

  constructor(private readonly deps: SaverDeps) {
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>))
    this.now = deps.now ?? (() => performance.now())
  }

  /** An edit happened: save after the debounce. */
  schedule(frame: FrameState): void {
    const p = this.entry(frame)
    if (p.debounce !== null) this.clearTimer(p.debounce)
    p.debounce = this.setTimer(() => {
      p.debounce = null
      this.enqueue(frame)
    }, DEBOUNCE_MS)
    this.deps.onChange(frame)
  }

  /** Saves now; resolves when the frame is clean or its save failed. Never rejects. */
  flush(frame: FrameState): Promise<void> {
    const p = this.entry(frame)
    if (p.debounce !== null) {
      this.clearTimer(p.debounce)
      p.debounce = null
    }
    if (!frame.dirty && !frame.saving) return Promise.resolve()
    const done = new Promise<void>((ok) => p.waiters.push(ok))
    if (p.retry !== null) {
      this.clearTimer(p.retry)
      p.retry = null
    }
    this.enqueue(frame)
    return done
  }

  /** True while any frame has edits the server does not hold. */
  busy(frames: Iterable<FrameState>): boolean {
    for (const f of frames) if (f.dirty || f.saving) return true
    return false
  }

  private entry(frame: FrameState): Pending {
    let p = this.pending.get(frame)
    if (!p) this.pending.set(frame, (p = { debounce: null, retry: null, attempts: 0, waiters: [] }))
    return p
  }

  private enqueue(frame: FrameState): void {
    if (!this.queue.includes(frame)) this.queue.push(frame)
    void this.pump()
  }

  private settle(frame: FrameState): void {
    const p = this.entry(frame)
    const waiters = p.waiters.splice(0)
    for (const w of waiters) w()
  }

  private async pump(): Promise<void> {
    if (this.running) return
    const frame = this.queue.shift()
    if (!frame) return
    if (!frame.dirty) {
      this.settle(frame)
      void this.pump()
      return
    }
    this.running = true
    const p = this.entry(frame)
    const sent = frame.polygons
    const sentIds = new Map(frame.serverIds)
    const sentVersion = frame.version
    const sentStatus = frame.statusToSave
    frame.saving = true
    this.deps.onChange(frame)
    const t0 = this.now()
    let failed = false
    try {
      const drafts = toDrafts(sent, sentIds)
      const saved = await (sentStatus ? this.deps.save(frame.imageId, drafts, sentStatus) : this.deps.save(frame.imageId, drafts))
      frame.adopt(sent, sentIds, saved, sentVersion)
      if (frame.statusToSave === sentStatus) frame.statusToSave = null
      frame.error = null
      p.attempts = 0
      this.deps.onSaved?.(frame, this.now() - t0)
    } catch (err) {
      failed = true
      frame.error = errorMessage(err)
      const code = errorCode(err)
      if (code === 'conflict') await this.forgetMissingIds(frame)
      if (code !== 'invalid_argument') {
        const wait = RETRY_MS[Math.min(p.attempts, RETRY_MS.length - 1)]!
        p.attempts++
        p.retry = this.setTimer(() => {
          p.retry = null
          this.enqueue(frame)
        }, code === 'conflict' && p.attempts === 1 ? 0 : wait)
      }
    } finally {
      frame.saving = false
      this.running = false
    }
    this.deps.onChange(frame)
    // Edits made while saving go out next; a failure waits for its retry or the next edit.
    if (!failed && frame.dirty && p.debounce === null && !this.queue.includes(frame)) this.queue.push(frame)
    if (failed || !frame.dirty) this.settle(frame)
    void this.pump()
  }

  /** After a conflict: polygons whose label is gone on the server are saved as new labels. */
  private async forgetMissingIds(frame: FrameState): Promise<void> {
    try {
      const present = new Set((await this.deps.list(frame.imageId)).map((l) => l.id))
      for (const [key, id] of frame.serverIds) if (!present.has(id)) frame.serverIds.delete(key)
    } catch {
      // The retry reports whatever is still wrong.
    }
  }

  dispose(): void {
    for (const p of this.pending.values()) {
      if (p.debounce !== null) this.clearTimer(p.debounce)
      if (p.retry !== null) this.clearTimer(p.retry)
    }
  }
}
