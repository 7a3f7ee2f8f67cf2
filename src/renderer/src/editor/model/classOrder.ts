/** Class order: key order for 1-9, and draw order (regions under defects). */
import type { ClassDef } from '../../../../shared/contract'
import type { EditorPolygon } from './types'

/** Region classes (the lathe bed) draw under defects; otherwise list order. */
export function drawOrder(polygons: readonly EditorPolygon[], classes: readonly ClassDef[]): EditorPolygon[] {
  const region = new Set(classes.filter((c) => c.kind === 'region').map((c) => c.id))
  return [...polygons.filter((p) => region.has(p.classId)), ...polygons.filter((p) => !region.has(p.classId))]
}

export function sortedClasses(classes: readonly ClassDef[]): ClassDef[] {
  return classes.slice().sort((a, b) => a.position - b.position || a.id - b.id)
}
