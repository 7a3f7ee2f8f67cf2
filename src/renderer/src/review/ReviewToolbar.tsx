/** The review's top bar: which model, which frames, running the model on frames it has not seen, and the report. */
import type { ClassDef, ReviewFilter, ReviewModel, ReviewQueue } from '../../../shared/contract'
import { ClassChangesNote } from '../classes/ClassChangesNote'
import { ReviewFilters } from './ReviewFilters'
import type { Busy } from './useVerdicts'

export interface ReviewToolbarProps {
  models: ReviewModel[]
  modelId: number | null
  model: ReviewModel | null
  onModel(id: number): void
  filter: ReviewFilter
  classes: ClassDef[]
  untrained: ReadonlySet<number>
  onFilter(f: ReviewFilter): void
  queue: ReviewQueue | null
  /** Frames in the queue (the report needs one). */
  frames: number
  busy: Busy
  onRunModel(): void
  onReport(): void
}

export function ReviewToolbar({ models, modelId, model, onModel, filter, classes, untrained, onFilter, queue, frames, busy, onRunModel, onReport }: ReviewToolbarProps) {
  return (
    <div className="review-toolbar">
      <label className="review-model">
        Model{' '}
        <select value={modelId ?? ''} data-testid="review-model" onChange={(e) => onModel(Number(e.currentTarget.value))}>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              #{m.id} · run {m.runId} · {m.arch}
              {m.active ? ' · active' : ''} · {m.predictions} predicted
            </option>
          ))}
        </select>
      </label>
      <ReviewFilters filter={filter} classes={classes} untrained={untrained} onChange={onFilter} />
      <div className="review-toolbar-actions">
        <button
          type="button"
          className="review-run"
          data-testid="review-run-model"
          data-frames={queue?.withoutPredictions ?? ''}
          data-running={queue?.inferRunId != null ? 'true' : 'false'}
          disabled={busy === 'infer' || queue === null || queue.withoutPredictions === 0}
          title="Predictions for the frames of this filter that the model has not seen yet (labelled, normal, any split)"
          onClick={onRunModel}
        >
          Run the model on these frames{queue ? ` (${queue.withoutPredictions})` : ''}
        </button>
        {queue?.inferRunId != null && (
          <span className="muted" data-testid="review-infer-running">
            <span className="spinner" /> running the model…
          </span>
        )}
        <button type="button" data-testid="review-report" disabled={busy === 'report' || frames === 0} onClick={onReport}>
          {busy === 'report' ? 'Writing…' : 'Export report'}
        </button>
      </div>
      {model && <ClassChangesNote runId={model.runId} />}
    </div>
  )
}
