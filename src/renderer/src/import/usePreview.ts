/**
 * import.preview, re-asked a moment after the source fields stop changing;
 * an answer to an older question is dropped, so typing a path never shows
 * the mapping of the folder before.
 */
import { useEffect, useState } from 'react'
import type { ImportOptions } from '../../../shared/contract'
import type { ImportPreviewResult } from '../../../shared/contract/namespaces/import'
import { api, describeError } from '../api'

const SETTLE_MS = 400

export interface PreviewState {
  preview: ImportPreviewResult | null
  /** The options the preview answers (its key), so a stale one is never used for the import. */
  key: string | null
  loading: boolean
  error: string | null
}

export function usePreview(options: ImportOptions | null, refreshTick: number): PreviewState {
  const key = options ? JSON.stringify(options) : null
  const [state, setState] = useState<PreviewState>({ preview: null, key: null, loading: false, error: null })
  useEffect(() => {
    if (key === null) {
      setState({ preview: null, key: null, loading: false, error: null })
      return
    }
    let live = true
    let retried = false
    setState((s) => ({ ...s, loading: true }))
    const ask = (): void => {
      api()
        .import.preview(JSON.parse(key) as ImportOptions)
        .then(
          (preview) => live && setState({ preview, key, loading: false, error: null }),
          (error) => {
            if (!live) return
            const { code, message } = describeError(error)
            // Main keeps one preview running: another window's newer one stopped ours; ask once more.
            if (code === 'conflict' && !retried) {
              retried = true
              timer = setTimeout(ask, SETTLE_MS)
              return
            }
            setState({ preview: null, key, loading: false, error: message })
          }
        )
    }
    let timer = setTimeout(ask, SETTLE_MS)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [key, refreshTick])
  return state
}
