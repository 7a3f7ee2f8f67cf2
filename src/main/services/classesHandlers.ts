import type { NamespaceHandlers } from '../../shared/contract'
import type { ClassChange } from '../../shared/contract/namespaces/classes'
import { classUsage, editClass, listClasses, reorderClasses, saveClass } from './classes'
import { classesSinceRun, classHistory } from './classHistory'
import { deleteClass, mergeClass } from './classRemoval'
import { undoLastClassChange } from './classUndo'
import type { HandlerContext } from './handlerContext'

export function classesHandlers({ ws, events, author }: HandlerContext): NamespaceHandlers<'classes'> {
  // Merges and deletes (and their undo) move or remove labels and may change frame statuses: every view counting them refreshes.
  const changed = (c?: ClassChange): void => {
    events.emit('workspace.changed', { what: 'classes' })
    if (c && (c.op === 'merge' || c.op === 'delete')) {
      events.emit('workspace.changed', { what: 'labels' })
      events.emit('workspace.changed', { what: 'images' })
    }
  }
  const after = <T>(c: T, change?: ClassChange): T => {
    changed(change)
    return c
  }
  return {
    'classes.list': async () => listClasses(ws()),
    'classes.save': async (input) => after(saveClass(ws(), input, author)),
    'classes.edit': async ({ id, ...patch }) => after(editClass(ws(), id, patch, author)),
    'classes.usage': async () => classUsage(ws()),
    'classes.reorder': async ({ ids }) => after(reorderClasses(ws(), ids, author)),
    'classes.merge': async ({ sourceId, targetId }) => {
      const c = mergeClass(ws(), sourceId, targetId, author)
      return after(c, c)
    },
    'classes.delete': async ({ id, deleteLabels }) => {
      const c = deleteClass(ws(), id, deleteLabels, author)
      return after(c, c)
    },
    'classes.history': async ({ limit }) => classHistory(ws(), limit),
    'classes.undo': async () => {
      const c = undoLastClassChange(ws(), author)
      return after(c, c)
    },
    'classes.sinceRun': async ({ runId }) => classesSinceRun(ws(), runId)
  }
}
