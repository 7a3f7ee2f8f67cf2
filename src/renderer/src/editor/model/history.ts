/**
 * Undo history of one frame: a stack of recorded change sets. Tools commit
 * once per gesture (a drag or brush stroke previews without committing), so
 * one gesture is one step without tldraw-style marks.
 */
import type { ImageStatus } from '../../../../shared/domain'
import { invertChanges } from './document'
import type { ChangeSet } from './types'

export const HISTORY_LIMIT = 500

/** A step that also changed the frame's status (a paste that made a normal frame labelled). */
export interface StatusChange {
  readonly before: ImageStatus
  readonly after: ImageStatus
}

export interface Step {
  readonly changes: ChangeSet
  /** The status the frame has once this step is applied (undo gives `before`, redo `after`). */
  readonly status?: ImageStatus
}

interface Recorded {
  changes: ChangeSet
  status?: StatusChange
}

export class History {
  private readonly done: Recorded[] = []
  private readonly undone: Recorded[] = []

  record(changes: ChangeSet, status?: StatusChange): void {
    if (changes.length === 0) return
    this.done.push(status ? { changes, status } : { changes })
    if (this.done.length > HISTORY_LIMIT) this.done.shift()
    this.undone.length = 0
  }

  /** The changes that undo the last step, or null when there is none. */
  undo(): ChangeSet | null {
    return this.undoStep()?.changes ?? null
  }

  /** The changes that redo the last undone step, or null. */
  redo(): ChangeSet | null {
    return this.redoStep()?.changes ?? null
  }

  undoStep(): Step | null {
    const step = this.done.pop()
    if (!step) return null
    this.undone.push(step)
    return { changes: invertChanges(step.changes), ...(step.status ? { status: step.status.before } : {}) }
  }

  redoStep(): Step | null {
    const step = this.undone.pop()
    if (!step) return null
    this.done.push(step)
    return { changes: step.changes, ...(step.status ? { status: step.status.after } : {}) }
  }

  get canUndo(): boolean {
    return this.done.length > 0
  }

  get canRedo(): boolean {
    return this.undone.length > 0
  }

  clear(): void {
    this.done.length = 0
    this.undone.length = 0
  }
}
