import type { NamespaceHandlers } from '../../shared/contract'
import type { HandlerContext } from './handlerContext'
import { labelHistory, listLabels, saveFrameLabels } from './labels'

export function labelsHandlers({ ws, events, author }: HandlerContext): NamespaceHandlers<'labels'> {
  return {
    'labels.list': async ({ imageId }) => listLabels(ws(), imageId),
    'labels.save': async ({ imageId, labels, status }) => {
      const saved = saveFrameLabels(ws(), imageId, labels, author, status ? { status } : {})
      events.emit('workspace.changed', { what: 'labels' })
      return saved
    },
    'labels.history': async ({ imageId }) => labelHistory(ws(), imageId)
  }
}
