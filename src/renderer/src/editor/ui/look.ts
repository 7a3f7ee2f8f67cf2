/** How shapes look on the canvas. Sizes in screen pixels stay constant whatever the zoom. */
import type { ClassDef } from '../../../../shared/contract'

export const FILL_ALPHA = { defect: 90, region: 46, selected: 115 } as const
export const OUTLINE_PX = 1.5
export const SELECTED_OUTLINE_PX = 2.5
export const HANDLE_PX = 4
export const INVALID_COLOR = '#ff3b30'
export const UNKNOWN_CLASS_COLOR = '#888888'

export function classColor(classes: ReadonlyMap<number, ClassDef>, classId: number): string {
  return classes.get(classId)?.color ?? UNKNOWN_CLASS_COLOR
}

export function fillAlpha(classes: ReadonlyMap<number, ClassDef>, classId: number): number {
  return classes.get(classId)?.kind === 'region' ? FILL_ALPHA.region : FILL_ALPHA.defect
}
