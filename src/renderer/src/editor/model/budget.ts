/**
 * The label budget (LABEL_LIMITS) held at every edit, before labels.save
 * would refuse the frame and the editor would retry a save that can never
 * succeed: a polygon over the vertex budget is simplified (and said so), an
 * edit that would put more polygons on the frame than it may hold is
 * refused whole (one undo step stays one step).
 */
import { fitPointBudget, polygonCountProblem, simplifiedNote, tooManyPointsNote } from '../../../../shared/labelBudget'
import type { ChangeSet, EditorPolygon, PolygonChange } from './types'

export type Fitted = { changes: ChangeSet; note: string | null } | { refused: string }

export function fitChanges(list: readonly EditorPolygon[], changes: ChangeSet): Fitted {
  let count = list.length
  for (const c of changes) count += (c.after && !c.before ? 1 : 0) - (c.before && !c.after ? 1 : 0)
  const tooMany = count > list.length ? polygonCountProblem(count) : null
  if (tooMany) return { refused: `Not done: ${tooMany}` }
  const notes: string[] = []
  const out: PolygonChange[] = []
  for (const c of changes) {
    if (!c.after) {
      out.push(c)
      continue
    }
    const fitted = fitPointBudget(c.after.points)
    if (!fitted) return { refused: `Not done: ${tooManyPointsNote(c.after.points.length / 2)}` }
    if (fitted.length === c.after.points.length) {
      out.push(c)
      continue
    }
    notes.push(simplifiedNote(c.after.points.length / 2, fitted.length / 2))
    out.push({ ...c, after: { ...c.after, points: fitted } })
  }
  const note = notes.length === 0 ? null : notes.length === 1 ? notes[0]! : `${notes.length} polygons were simplified to the limit of points`
  return { changes: out, note: note && note[0]!.toUpperCase() + note.slice(1) }
}
