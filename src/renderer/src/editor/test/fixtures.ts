/** Test helpers: a core attached to a small frame, with the default classes. */
import type { ClassDef, Label } from '../../../../shared/contract'
import { EditorCore } from '../model/editorCore'
import { FrameState } from '../model/frameState'
import type { ToolPointer } from '../tools/tool'

export const CLASSES: ClassDef[] = [
  { id: 11, name: 'fold', color: '#e6194b', kind: 'defect', position: 1 },
  { id: 12, name: 'edge_crack', color: '#f58231', kind: 'defect', position: 2 },
  { id: 13, name: 'lathe', color: '#4363d8', kind: 'region', position: 3 }
]

export function label(id: number, classId: number, points: number[], source: Label['source'] = 'manual'): Label {
  return { id, imageId: 1, classId, points, source, author: 't', revision: 1, createdAt: '', updatedAt: '' }
}

export interface Rig {
  core: EditorCore
  frame: FrameState
  edits: number
}

/** A 100x80 frame at 1:1, so screen and image coordinates agree. */
export function rig(labels: Label[] = [], size = { width: 100, height: 80 }): Rig {
  const frame = new FrameState(1, size.width, size.height, labels, 'unlabeled')
  const r: Rig = { core: null as unknown as EditorCore, frame, edits: 0 }
  r.core = new EditorCore(() => r.edits++, CLASSES)
  r.core.attach(frame)
  r.core.setViewport({ width: size.width, height: size.height })
  return r
}

export function pt(r: Rig, x: number, y: number, mods: { alt?: boolean; shift?: boolean } = {}): ToolPointer {
  return r.core.toolPointer(x, y, { alt: mods.alt ?? false, shift: mods.shift ?? false })
}

export function click(r: Rig, x: number, y: number, mods: { alt?: boolean } = {}): void {
  r.core.pointerDown(pt(r, x, y, mods))
  r.core.pointerUp(pt(r, x, y, mods))
}

export function drag(r: Rig, from: [number, number], to: [number, number], steps = 4): void {
  r.core.pointerDown(pt(r, from[0], from[1]))
  for (let k = 1; k <= steps; k++) {
    r.core.pointerMove(pt(r, from[0] + ((to[0] - from[0]) * k) / steps, from[1] + ((to[1] - from[1]) * k) / steps))
  }
  r.core.pointerUp(pt(r, to[0], to[1]))
}

export function points(r: Rig, index = 0): readonly number[] {
  return r.core.getSnapshot().polygons[index]!.points
}
