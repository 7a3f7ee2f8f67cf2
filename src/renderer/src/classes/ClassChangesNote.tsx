/**
 * What a run's model was trained on and the class changes since, for the Runs
 * and Review pages: a model keeps its own class list, so after a rename or a
 * merge its outputs carry the old names.
 */
import { useCallback } from 'react'
import { api } from '../api'
import { useApiData } from '../runs/useApiData'

export function ClassChangesNote({ runId }: { runId: number }) {
  const load = useCallback(() => api().classes.sinceRun({ runId }), [runId])
  const { data } = useApiData(load, { changed: ['classes', 'images', 'runs'] })
  if (!data || data.changes.length === 0) return null
  return (
    <p className="warn-text class-changes-note" data-testid="class-changes-note" data-run-id={runId} data-changes={data.changes.length}>
      {data.trainedOn && <>Trained on: {data.trainedOn.join(', ')} — </>}
      classes changed since: {data.changes.map((c) => c.summary).join('; ')}
    </p>
  )
}
