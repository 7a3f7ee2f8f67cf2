import type { NamespaceHandlers } from '../../../shared/contract'
import type { HandlerContext } from '../handlerContext'
import { readPredictions } from '../training/predictions'
import { acceptAsLabels, previewAccept } from './accept'

export function predictionsHandlers({ ws, events, author }: HandlerContext): NamespaceHandlers<'predictions'> {
  return {
    'predictions.get': async ({ imageId }) => readPredictions(ws(), imageId),
    'predictions.previewAccept': async (args) => previewAccept(ws(), args),
    'predictions.acceptAsLabels': async (args) => {
      const r = await acceptAsLabels(ws(), args, author)
      if (r.labelIds.length > 0) events.emit('workspace.changed', { what: 'labels' })
      return r
    }
  }
}
