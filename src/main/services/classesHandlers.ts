import type { NamespaceHandlers } from '../../shared/contract'
import { listClasses, saveClass } from './classes'
import type { HandlerContext } from './handlerContext'

export function classesHandlers({ ws, events }: HandlerContext): NamespaceHandlers<'classes'> {
  return {
    'classes.list': async () => listClasses(ws()),
    'classes.save': async (input) => {
      const cls = saveClass(ws(), input)
      events.emit('workspace.changed', { what: 'classes' })
      return cls
    }
  }
}
