import { join } from 'node:path'
import { StudioError, type JobStateName } from '../../shared/contract'
import { nowIso } from '../db/connection'
import type { Workspace } from './workspace'

export type RunKind = 'train' | 'eval' | 'infer' | 'experiment'

export interface RunRow {
  id: number
  kind: RunKind
  state: JobStateName
  config: string
  data_snapshot: string | null
  backend: string | null
  error: string | null
  metrics: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

/** Every training or evaluation is a run: its config, data snapshot, progress and outcome. */
export function createRun(
  ws: Workspace,
  kind: RunKind,
  config: unknown,
  snapshot: unknown,
  opts: { parentRunId?: number; state?: 'queued' | 'running'; arch?: string; warmStartModelId?: number } = {}
): number {
  const at = nowIso()
  const state = opts.state ?? 'running'
  return Number(
    ws.db
      .prepare(
        `INSERT INTO runs (kind, state, config, data_snapshot, parent_run_id, arch, warm_start_model_id, created_at, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        kind,
        state,
        JSON.stringify(config),
        JSON.stringify(snapshot),
        opts.parentRunId ?? null,
        opts.arch ?? 'arcd',
        opts.warmStartModelId ?? null,
        at,
        state === 'running' ? at : null
      ).lastInsertRowid
  )
}

export function runModelDir(ws: Workspace, runId: number): string {
  return join(ws.paths.models, `run-${runId}`)
}

export function setRunBackend(ws: Workspace, runId: number, backend: string): void {
  ws.db.prepare('UPDATE runs SET backend = ? WHERE id = ?').run(backend, runId)
}

export function recordEpoch(
  ws: Workspace,
  runId: number,
  e: { stage: string; epoch: number; trainLoss: number; valLoss: number | null; valMetrics?: unknown }
): void {
  ws.db
    .prepare(
      `INSERT INTO run_epochs (run_id, stage, epoch, train_loss, val_loss, metrics, at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, stage, epoch) DO UPDATE SET train_loss = excluded.train_loss, val_loss = excluded.val_loss, metrics = excluded.metrics, at = excluded.at`
    )
    .run(runId, e.stage, e.epoch, e.trainLoss, e.valLoss, e.valMetrics ? JSON.stringify(e.valMetrics) : null, nowIso())
}

export function finishRun(ws: Workspace, runId: number, state: JobStateName, outcome: { error?: string; metrics?: unknown } = {}): void {
  ws.db
    .prepare('UPDATE runs SET state = ?, error = ?, metrics = coalesce(?, metrics), finished_at = ? WHERE id = ?')
    .run(state, outcome.error ?? null, outcome.metrics === undefined ? null : JSON.stringify(outcome.metrics), nowIso(), runId)
}

export function addModel(ws: Workspace, runId: number, dir: string, thresholds: Record<string, number>): number {
  return Number(
    ws.db
      .prepare('INSERT INTO models (run_id, dir, thresholds, created_at) VALUES (?, ?, ?, ?)')
      .run(runId, dir, JSON.stringify(thresholds), nowIso()).lastInsertRowid
  )
}

export function setActiveModel(ws: Workspace, modelId: number): void {
  ws.db.transaction(() => {
    ws.db.prepare('UPDATE models SET active = 0 WHERE active = 1').run()
    const res = ws.db.prepare('UPDATE models SET active = 1 WHERE id = ?').run(modelId)
    if (res.changes === 0) throw new StudioError('not_found', `No model ${modelId}`)
  })()
}

export interface ModelRow {
  id: number
  run_id: number
  dir: string
  thresholds: string
  active: number
}

/** A model by id, the run's model, or the active one when no reference is given. */
export function findModel(ws: Workspace, ref?: string): ModelRow {
  let row: ModelRow | undefined
  if (!ref) {
    row = ws.db.prepare('SELECT * FROM models WHERE active = 1').get() as ModelRow | undefined
    row ??= ws.db.prepare('SELECT * FROM models ORDER BY id DESC LIMIT 1').get() as ModelRow | undefined
    if (!row) throw new StudioError('not_found', 'This workspace has no trained model yet: run `studio train` first.')
    return row
  }
  const m = /^(?:run-)?(\d+)$/.exec(ref)
  if (m) row = ws.db.prepare('SELECT * FROM models WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(Number(m[1])) as ModelRow | undefined
  if (!row) throw new StudioError('not_found', `No model for run "${ref}"`)
  return row
}
