/**
 * Undo history of one frame: a stack of recorded change sets. Tools commit
 * once per gesture (a drag or brush stroke previews without committing), so
 * one gesture is one step without tldraw-style marks.
 */
import { invertChanges } from './document'
import type { ChangeSet } from './types'

export const HISTORY_LIMIT = 500

export class History {
  private readonly done: ChangeSet[] = []
  private readonly undone: ChangeSet[] = []

  record(changes: ChangeSet): void {
    if (changes.length === 0) return
    this.done.push(changes)
    if (this.done.length > HISTORY_LIMIT) this.done.shift()
    this.undone.length = 0
  }

  /** The changes that undo the last step, or null when there is none. */
  undo(): ChangeSet | null {
    const step = this.done.pop()
    if (!step) return null
    this.undone.push(step)
    return invertChanges(step)
  }

  /** The changes that redo the last undone step, or null. */
  redo(): ChangeSet | null {
    const step = this.undone.pop()
    if (!step) return null
    this.done.push(step)
    return step
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
