/** export.preview for the dialog's current choices, asked again a moment after they stop changing. */
import { useEffect, useState } from 'react'
import type { ExportPreview } from '../../../shared/contract'
import { api, describeError } from '../api'
import type { RequestOrProblem } from './exportForm'

export type PreviewState = { kind: 'idle'; problem: string } | { kind: 'loading' } | { kind: 'ready'; preview: ExportPreview } | { kind: 'error'; message: string }

const SETTLE_MS = 250

/** `refresh` asks again for the same choices (a finished export changes what the folder holds). */
export function useExportPreview(req: RequestOrProblem, refresh: number): PreviewState {
  const key = JSON.stringify(req)
  const [state, setState] = useState<PreviewState>({ kind: 'loading' })
  useEffect(() => {
    const parsed = JSON.parse(key) as RequestOrProblem
    if ('problem' in parsed) {
      setState({ kind: 'idle', problem: parsed.problem })
      return
    }
    let live = true
    setState({ kind: 'loading' })
    // Typing a path asks once it settles, not once per key.
    const timer = setTimeout(() => {
      api()
        .export.preview(parsed.request)
        .then(
          (preview) => live && setState({ kind: 'ready', preview }),
          (e: unknown) => live && setState({ kind: 'error', message: describeError(e).message })
        )
    }, SETTLE_MS)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [key, refresh])
  return state
}
