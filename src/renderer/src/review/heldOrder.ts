/**
 * The queue's order held still while the pointer is on the list. New
 * thresholds, verdicts and maps still being counted re-rank the queue, and a
 * list that moves under the pointer turns a click into a click on a
 * neighbour.
 */
import { useEffect, useMemo, useRef } from 'react'

/**
 * `items` in the order of `held` (ids); items not in it come after, in their
 * own order, and ids no longer in `items` drop out.
 */
export function holdOrder<T extends { imageId: number }>(held: readonly number[], items: readonly T[]): T[] {
  const byId = new Map(items.map((it) => [it.imageId, it]))
  const out: T[] = []
  for (const id of held) {
    const it = byId.get(id)
    if (it === undefined) continue
    out.push(it)
    byId.delete(id)
  }
  for (const it of items) if (byId.has(it.imageId)) out.push(it)
  return out
}

/** True when the two lists name the same ids in the same order. */
export function sameOrder(a: readonly { imageId: number }[], b: readonly { imageId: number }[]): boolean {
  // Not holding, the page passes the queue itself: no walk over it on every render.
  return a === b || (a.length === b.length && a.every((it, i) => it.imageId === b[i]!.imageId))
}

/** `items` as last shown while `hold` is on; as they come once it is off. */
export function useHeldOrder<T extends { imageId: number }>(items: T[], hold: boolean): T[] {
  const shown = useRef<readonly number[]>([])
  // Reads the order shown last (a ref, not state): holding starts from what is on screen, not from a re-rank that came with the pointer.
  const out = useMemo(() => (hold ? holdOrder(shown.current, items) : items), [items, hold])
  useEffect(() => {
    shown.current = out.map((it) => it.imageId)
  }, [out])
  return out
}
