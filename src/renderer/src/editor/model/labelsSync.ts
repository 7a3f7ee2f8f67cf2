/**
 * Between the editor's polygons and the contract's labels: the drafts a save
 * sends, and adopting what the server answered (its ids, and its points,
 * which are clipped to the frame and rounded to 1/1000 px).
 */
import type { Label } from '../../../../shared/contract'
import type { LabelSource } from '../../../../shared/domain'
import { serverKey, type EditorPolygon } from './types'

export interface LabelDraft {
  id?: number
  classId: number
  points: number[]
  source: LabelSource
}

export function toDrafts(polygons: readonly EditorPolygon[], serverIds: ReadonlyMap<string, number>): LabelDraft[] {
  return polygons.map((p) => {
    const id = serverIds.get(p.key)
    const draft: LabelDraft = { classId: p.classId, points: p.points.slice(), source: p.source }
    if (id !== undefined) draft.id = id
    return draft
  })
}

export function fromLabels(labels: readonly Label[]): { polygons: EditorPolygon[]; serverIds: Map<string, number> } {
  const serverIds = new Map<string, number>()
  const polygons = labels.map((l) => {
    const key = serverKey(l.id)
    serverIds.set(key, l.id)
    return { key, classId: l.classId, points: l.points, source: l.source }
  })
  return { polygons, serverIds }
}

/** A comparable fingerprint of a frame's saved labels, to tell whether the server still holds what we saved. */
export function labelsSignature(labels: readonly Pick<Label, 'id' | 'classId' | 'points'>[]): string {
  return JSON.stringify(
    labels
      .map((l) => [l.id, l.classId, l.points] as const)
      .slice()
      .sort((a, b) => a[0] - b[0])
  )
}

export interface Adopted {
  /** Server id of every polygon that was sent. */
  ids: Map<string, number>
  /** The server's label for every polygon that was sent. */
  byKey: Map<string, Label>
  /** Labels on the frame that we did not send (added elsewhere meanwhile). */
  extra: Label[]
}

/**
 * Matches the save's answer to what was sent. Sent polygons with an id keep
 * it. New ones take the created label with the same class and points (the
 * server rounds to 1/1000 px, so compare rounded); any left over take the
 * remaining created labels in creation order, which is the order sent.
 * Created labels nobody claims were added elsewhere meanwhile.
 */
export function adoptSaved(sent: readonly EditorPolygon[], sentIds: ReadonlyMap<string, number>, saved: readonly Label[]): Adopted {
  const byId = new Map(saved.map((l) => [l.id, l]))
  const known = new Set<number>()
  for (const p of sent) {
    const id = sentIds.get(p.key)
    if (id !== undefined) known.add(id)
  }
  const created = saved.filter((l) => !known.has(l.id)).sort((a, b) => a.id - b.id)
  const claimed = new Set<Label>()
  const ids = new Map<string, number>()
  const byKey = new Map<string, Label>()
  const claim = (p: EditorPolygon, label: Label) => {
    claimed.add(label)
    ids.set(p.key, label.id)
    byKey.set(p.key, label)
  }
  const fresh: EditorPolygon[] = []
  for (const p of sent) {
    if (sentIds.has(p.key)) {
      const label = byId.get(sentIds.get(p.key)!)
      if (label) claim(p, label)
      continue
    }
    const rounded = p.points.map(round3)
    const same = created.find((l) => !claimed.has(l) && l.classId === p.classId && samePoints(l.points, rounded))
    if (same) claim(p, same)
    else fresh.push(p)
  }
  const rest = created.filter((l) => !claimed.has(l))
  for (const p of fresh) {
    const label = rest.shift()
    if (label) claim(p, label)
  }
  return { ids, byKey, extra: rest }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000
}

export function samePoints(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
}
