import { join } from 'node:path'
import type { NamespaceHandlers } from '../../shared/contract'
import { applyBulk, bulkHistory, previewBulk, undoBulk } from './bulkActions'
import type { HandlerContext } from './handlerContext'
import { getImage, imageIds, imageStats, queryImages, setStatus, thumbnails } from './images'
import { frameImage } from './imaging/frames'

export function imagesHandlers({ ws, events, author }: HandlerContext): NamespaceHandlers<'images'> {
  return {
    'images.query': async ({ filter, offset, limit }) => queryImages(ws(), filter, offset, limit),
    'images.ids': async ({ filter }) => imageIds(ws(), filter),
    'images.get': async ({ id }) => getImage(ws(), id),
    'images.thumbnails': async ({ ids }) => thumbnails(ws(), ids),
    'images.stats': async ({ filter }) => imageStats(ws(), filter ?? {}),
    'images.setStatus': async ({ ids, status }) => {
      const changed = setStatus(ws(), ids, status)
      events.emit('workspace.changed', { what: 'images' })
      return { changed }
    },
    'images.frame': async ({ id }) => {
      const w = ws()
      const detail = getImage(w, id)
      return frameImage(id, detail.absPath, detail.hash, join(w.paths.cache, 'frames'))
    },
    'images.bulkPreview': async ({ ids, action }) => previewBulk(ws(), ids, action),
    'images.bulk': async ({ ids, action }) => {
      const result = applyBulk(ws(), ids, action, author)
      if (result.undoToken !== null) events.emit('workspace.changed', { what: 'images' })
      return result
    },
    'images.undoBulk': async ({ undoToken }) => {
      const result = undoBulk(ws(), undoToken)
      events.emit('workspace.changed', { what: 'images' })
      return result
    },
    'images.bulkHistory': async ({ limit }) => bulkHistory(ws(), limit)
  }
}
