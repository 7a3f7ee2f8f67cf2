/**
 * Which model the review looks at, its thresholds, and saving new ones as a
 * revision. SQLite holds them (models.thresholds is the current revision,
 * model_threshold_revisions the history). The model folder is left as the
 * training run wrote it: its thresholds.json stays the ones the run was
 * evaluated with, and the run's stored metrics carry them too.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError, type ReviewModel, type Thresholds } from '../../../shared/contract'
import type { ClassDef } from '../../../shared/domain'
import { nowIso } from '../../db/connection'
import type { EvalReport } from '../../../shared/arcd/metrics'
import type { Workspace } from '../workspace'

/** Threshold of a class the model has none for (a class added after training). */
export const DEFAULT_THRESHOLD = 0.5

export interface ModelInfo {
  id: number
  runId: number
  thresholds: Thresholds
  revision: number
}

interface ModelRow {
  id: number
  run_id: number
  thresholds: string
  threshold_revision: number
  active: number
  created_at: string
  arch: string
  test_metrics: string | null
  predictions: number
}

export function listReviewModels(ws: Workspace): ReviewModel[] {
  const rows = ws.db
    .prepare(
      `SELECT m.id, m.run_id, m.thresholds, m.threshold_revision, m.active, m.created_at, r.arch, r.test_metrics,
         (SELECT count(*) FROM predictions p WHERE p.model_id = m.id) AS predictions
       FROM models m JOIN runs r ON r.id = m.run_id ORDER BY m.active DESC, m.id DESC`
    )
    .all() as ModelRow[]
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    arch: r.arch,
    active: r.active === 1,
    createdAt: r.created_at,
    thresholds: JSON.parse(r.thresholds) as Thresholds,
    thresholdRevision: r.threshold_revision,
    predictions: r.predictions,
    testMiou: r.test_metrics ? ((JSON.parse(r.test_metrics) as EvalReport).overall.miou ?? null) : null
  }))
}

/** The given model, else the active one, else the newest. */
export function resolveModel(ws: Workspace, modelId?: number): ModelInfo {
  const row = (
    modelId !== undefined
      ? ws.db.prepare('SELECT id, run_id, thresholds, threshold_revision FROM models WHERE id = ?').get(modelId)
      : ws.db.prepare('SELECT id, run_id, thresholds, threshold_revision FROM models ORDER BY active DESC, id DESC LIMIT 1').get()
  ) as { id: number; run_id: number; thresholds: string; threshold_revision: number } | undefined
  if (!row) {
    throw new StudioError('not_found', modelId !== undefined ? `No model ${modelId}` : 'This workspace has no trained model yet: train one on the Runs page first.')
  }
  return { id: row.id, runId: row.run_id, thresholds: JSON.parse(row.thresholds) as Thresholds, revision: row.threshold_revision }
}

/** A threshold for every class: the override, else the model's, else DEFAULT_THRESHOLD. */
export function effectiveThresholds(classes: ClassDef[], model: Thresholds, override?: Thresholds): Thresholds {
  const out: Thresholds = {}
  for (const c of classes) out[c.name] = override?.[c.name] ?? model[c.name] ?? DEFAULT_THRESHOLD
  return out
}

/** Stores thresholds as the model's next revision; the previous ones stay in the history. */
export function saveThresholds(ws: Workspace, modelId: number, thresholds: Thresholds, author: string, note?: string): { revision: number; thresholds: Thresholds } {
  const names = new Set((ws.db.prepare('SELECT name FROM classes').pluck().all() as string[]).map((n) => n.toLowerCase()))
  for (const [name, t] of Object.entries(thresholds)) {
    if (!names.has(name.toLowerCase())) throw new StudioError('invalid_argument', `thresholds: no class named "${name}"`)
    if (!(t >= 0 && t <= 1)) throw new StudioError('invalid_argument', `thresholds: ${name} must be between 0 and 1`)
  }
  return ws.db.transaction(() => {
    const current = resolveModel(ws, modelId)
    const insert = ws.db.prepare(
      'INSERT OR IGNORE INTO model_threshold_revisions (model_id, revision, thresholds, author, note, at) VALUES (?, ?, ?, ?, ?, ?)'
    )
    // Models trained after migration 4 have no history row for their first revision yet.
    insert.run(modelId, current.revision, JSON.stringify(current.thresholds), 'training', 'chosen by the training run', nowIso())
    const merged = { ...current.thresholds, ...thresholds }
    const revision = current.revision + 1
    ws.db.prepare('UPDATE models SET thresholds = ?, threshold_revision = ? WHERE id = ?').run(JSON.stringify(merged), revision, modelId)
    insert.run(modelId, revision, JSON.stringify(merged), author, note ?? null, nowIso())
    return { revision, thresholds: merged }
  })()
}

/**
 * Names of the classes the model has outputs for, from its folder's
 * config.json (a model has outputs only for classes labelled in its training
 * data); null when the folder cannot be read, and then the maps present say it.
 */
export function modelClassNames(ws: Workspace, modelId: number): string[] | null {
  const dir = ws.db.prepare('SELECT dir FROM models WHERE id = ?').pluck().get(modelId) as string | undefined
  if (!dir) return null
  try {
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { classes?: { name?: unknown }[] }
    if (!Array.isArray(cfg.classes)) return null
    return cfg.classes.flatMap((c) => (typeof c.name === 'string' ? [c.name] : []))
  } catch {
    return null
  }
}
