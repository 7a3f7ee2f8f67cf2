import type { DataSnapshot, RetrainStatus, RunSetup, TrainingSettings } from '../../../shared/contract'
import type { Workspace } from '../workspace'
import { getRun, getRunSummary } from './runsRead'
import { getTrainingSettings, toConfigs } from './trainingSettings'

/**
 * What the Retrain button needs to know: the active model, what changed in
 * the labels since it was trained, and a retrain waiting for a decision or
 * still running (`runningRunId`, the training lane's current run).
 */
export function readRetrainStatus(ws: Workspace, runningRunId: number | null): RetrainStatus {
  const active = ws.db.prepare('SELECT m.id, m.run_id, r.data_snapshot FROM models m JOIN runs r ON r.id = m.run_id WHERE m.active = 1').get() as
    | { id: number; run_id: number; data_snapshot: string | null }
    | undefined
  const snapshot = active?.data_snapshot ? (JSON.parse(active.data_snapshot) as DataSnapshot) : null
  const since = snapshot?.maxRevision ?? 0
  const newDefectLabels = ws.db
    .prepare(
      `SELECT count(DISTINCT r.label_id) FROM label_revisions r
       JOIN labels l ON l.id = r.label_id AND l.deleted_at IS NULL
       JOIN classes c ON c.id = l.class_id AND c.kind = 'defect'
       WHERE r.id > ? AND r.op IN ('create', 'update')`
    )
    .pluck()
    .get(since) as number
  const known = new Set(snapshot?.imageIds ?? [])
  const normals = ws.db.prepare("SELECT id FROM images WHERE status = 'normal'").pluck().all() as number[]
  const pendingId = ws.db
    .prepare("SELECT id FROM runs WHERE kind = 'train' AND state = 'done' AND decision IS NULL AND config LIKE '%\"retrain\":true%' ORDER BY id DESC LIMIT 1")
    .pluck()
    .get() as number | undefined
  return {
    activeModel: active ? { id: active.id, runId: active.run_id } : null,
    newDefectLabels,
    newNormalFrames: normals.filter((id) => !known.has(id)).length,
    reconSettingsChanged: active ? reconSettingsDiffer(getRun(ws, active.run_id).setup, getTrainingSettings(ws)) : false,
    pending: pendingId !== undefined ? getRunSummary(ws, pendingId) : null,
    running: runningRunId !== null ? getRunSummary(ws, runningRunId) : null
  }
}

/**
 * True when stage 1 trained with `setup` would not be the one these settings
 * train; an unknown setup counts as different. The reconstruction net's
 * shape comes from the preset as well as the settings: a model from before
 * skip connections cannot lend its reconstruction to a net that has them.
 */
export function reconSettingsDiffer(setup: RunSetup | null, s: TrainingSettings): boolean {
  if (!setup) return true
  const maxShortSide = s.input === 'tiles' ? s.maxShortSide : null
  return (
    setup.reconSkips !== (toConfigs(s).model.reconSkips ?? false) ||
    setup.input !== s.input ||
    setup.size !== s.size ||
    setup.maxShortSide !== maxShortSide ||
    setup.reconBase !== s.reconBase ||
    setup.reconDepth !== s.reconDepth ||
    setup.ssimWeight !== s.ssimWeight ||
    setup.preset !== s.preset
  )
}
