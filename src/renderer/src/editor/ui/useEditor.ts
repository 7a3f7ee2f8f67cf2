import { useSyncExternalStore } from 'react'
import type { EditorCore, EditorSnapshot } from '../model/editorCore'

/**
 * Subscribes to one slice of the editor's snapshot. The selector must return
 * a field (or another stable value), so a component re-renders only when its
 * slice changes: a vertex drag re-renders the active layer, not the 200
 * static polygons.
 */
export function useEditor<T>(core: EditorCore, select: (s: EditorSnapshot) => T): T {
  return useSyncExternalStore(core.subscribe, () => select(core.getSnapshot()))
}
