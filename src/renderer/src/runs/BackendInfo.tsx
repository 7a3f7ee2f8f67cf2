/** Which TF.js backend the ML process uses, GPU or CPU, and why the better ones were skipped. */
import { useCallback } from 'react'
import { api } from '../api'
import { useApiData } from './useApiData'

export function BackendInfo() {
  const load = useCallback(() => api().ml.backend({}), [])
  // The first run may be what starts the ML process; read it again when runs change state.
  const { data: b } = useApiData(load, { runState: true })
  if (!b) {
    return (
      <div className="backend-info muted" data-testid="ml-backend" data-name="">
        ML backend: checking…
      </div>
    )
  }
  const skipped = b.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')
  return (
    <div className="backend-info" data-testid="ml-backend" data-name={b.name ?? ''} data-gpu={b.gpu}>
      <span className="muted">ML backend</span>{' '}
      {b.name ? (
        <>
          <b>{b.name}</b> <span className={b.gpu ? 'tag tag-gpu' : 'tag'}>{b.gpu ? 'GPU' : 'CPU'}</span>
        </>
      ) : (
        <b className="warn-text">none</b>
      )}
      {b.note && <span className="warn-text"> · {b.note}</span>}
      {skipped && (
        <span className="muted backend-skipped" data-testid="ml-backend-skipped" title={skipped}>
          {' '}
          · skipped {skipped}
        </span>
      )}
    </div>
  )
}
