/**
 * One frame's editable state in a session: its polygons, undo history and
 * save bookkeeping. Lives as long as the session, so history survives
 * switching frames (and closing and reopening the editor).
 */
import type { ImageStatus } from '../../../../shared/domain'
import type { Label } from '../../../../shared/contract'
import { applyChanges } from './document'
import { History, type StatusChange } from './history'
import { adoptSaved, fromLabels, labelsSignature, samePoints } from './labelsSync'
import { serverKey, type ChangeSet, type EditorPolygon } from './types'

export class FrameState {
  polygons: readonly EditorPolygon[]
  readonly history = new History()
  serverIds: Map<string, number>
  /** Bumped on every change of `polygons` by an edit. */
  version = 0
  /** The version the server holds. */
  savedVersion = 0
  saving = false
  /** Why the last save failed; cleared by the next success. */
  error: string | null = null
  /** What the server held after our last load or save, to detect changes made elsewhere. */
  signature: string
  status: ImageStatus
  /**
   * A status the next save must set, because an edit decided it (a paste
   * onto a normal frame, or its undo); null lets the server derive it from
   * the labels.
   */
  statusToSave: ImageStatus | null = null

  constructor(
    readonly imageId: number,
    readonly width: number,
    readonly height: number,
    labels: readonly Label[],
    status: ImageStatus
  ) {
    const { polygons, serverIds } = fromLabels(labels)
    this.polygons = polygons
    this.serverIds = serverIds
    this.signature = labelsSignature(labels)
    this.status = status
  }

  get dirty(): boolean {
    return this.version !== this.savedVersion
  }

  /** Applies an edit; recorded edits can be undone. `status` travels with the step: undo restores `before`. */
  apply(changes: ChangeSet, record = true, status?: StatusChange): void {
    if (changes.length === 0) return
    this.polygons = applyChanges(this.polygons, changes)
    if (record) this.history.record(changes, status)
    if (status) this.setStatusBySave(status.after)
    this.version++
  }

  undo(): ChangeSet | null {
    const step = this.history.undoStep()
    if (!step) return null
    this.apply(step.changes, false)
    if (step.status) this.setStatusBySave(step.status)
    return step.changes
  }

  redo(): ChangeSet | null {
    const step = this.history.redoStep()
    if (!step) return null
    this.apply(step.changes, false)
    if (step.status) this.setStatusBySave(step.status)
    return step.changes
  }

  private setStatusBySave(status: ImageStatus): void {
    this.status = status
    this.statusToSave = status
  }

  /**
   * Takes in a save's answer. `sent` is the list that was saved at `sentVersion`.
   * If nothing changed since, the polygons take the server's points (what a
   * reload would show); otherwise only the ids are adopted and the newer edits
   * stay dirty for the next save.
   */
  adopt(sent: readonly EditorPolygon[], sentIds: ReadonlyMap<string, number>, saved: readonly Label[], sentVersion: number): void {
    const { ids, byKey, extra } = adoptSaved(sent, sentIds, saved)
    this.serverIds = ids
    this.signature = labelsSignature(saved)
    let list = this.polygons.slice()
    if (this.version === sentVersion) {
      list = list.map((p) => {
        const label = byKey.get(p.key)
        if (!label || (label.classId === p.classId && samePoints(label.points, p.points))) return p
        return { ...p, classId: label.classId, points: label.points }
      })
      this.savedVersion = sentVersion
    }
    for (const l of extra) {
      const key = serverKey(l.id)
      ids.set(key, l.id)
      if (!list.some((p) => p.key === key)) list.push({ key, classId: l.classId, points: l.points, source: l.source })
    }
    this.polygons = list
  }

  /** Whether the server still holds exactly what this state last saw there. */
  matchesServer(labels: readonly Label[]): boolean {
    return labelsSignature(labels) === this.signature
  }
}
