import {
  StudioError,
  type AutoPromoteRecord,
  type DataSnapshot,
  type MetricDelta,
  type RunComparison,
  type RunDetail,
  type RunEpoch,
  type RunOutcome,
  type RunSetup,
  type RunSummary
} from '../../../shared/contract'
import { DEFAULT_MAX_SHORT_SIDE } from '../../../shared/arcd/config'
import { normalImages, type ClassMetrics, type EvalReport } from '../../../shared/arcd/metrics'
import type { Workspace } from '../workspace'

interface Row {
  id: number
  kind: RunSummary['kind']
  arch: RunSummary['arch']
  state: RunSummary['state']
  created_at: string
  started_at: string | null
  finished_at: string | null
  backend: string | null
  error: string | null
  parent_run_id: number | null
  warm_start_model_id: number | null
  decision: RunSummary['decision']
  checkpoint: string | null
  progress: string | null
  config: string
  data_snapshot: string | null
  metrics: string | null
  test_metrics: string | null
  model_id: number | null
  active: number | null
  thresholds: string | null
}

const SELECT = `SELECT r.*, m.id AS model_id, m.active AS active, m.thresholds AS thresholds
  FROM runs r LEFT JOIN models m ON m.id = (SELECT id FROM models WHERE run_id = r.id ORDER BY id DESC LIMIT 1)`

function parse<T>(text: string | null): T | null {
  return text ? (JSON.parse(text) as T) : null
}

function summary(r: Row): RunSummary {
  const test = parse<EvalReport>(r.test_metrics)
  return {
    id: r.id,
    kind: r.kind,
    arch: r.arch,
    state: r.state,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    backend: r.backend,
    error: r.error,
    parentRunId: r.parent_run_id,
    warmStartModelId: r.warm_start_model_id,
    modelId: r.model_id,
    active: r.active === 1,
    decision: r.decision,
    testMiou: test?.overall.miou ?? null,
    progress: r.state === 'running' || r.state === 'cancelling' ? parse(r.progress) : null,
    resumable: (r.state === 'failed' || r.state === 'cancelled') && r.checkpoint !== null
  }
}

export function listRuns(ws: Workspace): RunSummary[] {
  return (ws.db.prepare(`${SELECT} ORDER BY r.id DESC`).all() as Row[]).map(summary)
}

function row(ws: Workspace, runId: number): Row {
  const r = ws.db.prepare(`${SELECT} WHERE r.id = ?`).get(runId) as Row | undefined
  if (!r) throw new StudioError('not_found', `No run ${runId}`)
  return r
}

export function getRunSummary(ws: Workspace, runId: number): RunSummary {
  return summary(row(ws, runId))
}

type Loose = Record<string, unknown>

function obj(v: unknown): Loose | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : null
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/**
 * A training run's settings as it ran them, from the configs stored with it.
 * Runs recorded before a setting existed say null for it; before the input
 * mode existed every run was letterboxed.
 */
export function setupOf(kind: RunSummary['kind'], config: unknown): RunSetup | null {
  const c = obj(config)
  const m = obj(c?.['model'])
  const t = obj(c?.['train'])
  if (kind !== 'train' || !c || !m || !t) return null
  const input = m['input'] === 'tiles' ? 'tiles' : 'letterbox'
  const loss = t['loss']
  return {
    preset: c['preset'] === 'cpu' || c['preset'] === 'gpu' ? c['preset'] : null,
    input,
    size: num(m['size']) ?? 0,
    maxShortSide: input === 'tiles' ? (num(m['maxShortSide']) ?? DEFAULT_MAX_SHORT_SIDE) : null,
    reconBase: num(m['reconBase']) ?? 0,
    discBase: num(m['discBase']) ?? 0,
    reconDepth: num(m['reconDepth']) ?? 0,
    discDepth: num(m['discDepth']) ?? 0,
    reconSkips: m['reconSkips'] === true,
    reconResidual: m['reconResidual'] === true,
    budgetMinutes: num(t['budgetMinutes']),
    steps1: num(t['stage1Steps']),
    steps2: num(t['stage2Steps']),
    evalRounds: num(t['evalRounds']),
    epochs1: num(t['stage1Epochs']) ?? 0,
    epochs2: num(t['stage2Epochs']) ?? 0,
    batchSize: num(t['batchSize']) ?? 0,
    lr: num(t['lr']) ?? 0,
    loss: loss === 'focal-dice' || loss === 'bce-dice' || loss === 'focal-batch' ? loss : null,
    ssimWeight: num(t['ssimWeight']),
    pretrainShare: num(t['discPretrainShare']),
    rotate90: typeof t['rotate90'] === 'boolean' ? t['rotate90'] : null,
    maxNormalMarked: num(t['maxNormalFramesMarked']),
    inferFlips: m['inferFlips'] === true,
    seed: num(t['seed']) ?? 0,
    skipStage1: c['skipStage1'] === true
  }
}

function outcomeOf(config: unknown): RunOutcome | null {
  return (obj(obj(config)?.['outcome']) as RunOutcome | null) ?? null
}

export function getRun(ws: Workspace, runId: number): RunDetail {
  const r = row(ws, runId)
  const config = parse<unknown>(r.config)
  const epochs = (
    ws.db.prepare('SELECT stage, epoch, train_loss, val_loss FROM run_epochs WHERE run_id = ? ORDER BY rowid').all(runId) as {
      stage: string
      epoch: number
      train_loss: number
      val_loss: number | null
    }[]
  ).map((e): RunEpoch => ({ runId, stage: e.stage, epoch: e.epoch, trainLoss: e.train_loss, valLoss: e.val_loss }))
  return {
    ...summary(r),
    config,
    setup: setupOf(r.kind, config),
    outcome: outcomeOf(config),
    snapshot: parse<DataSnapshot>(r.data_snapshot),
    epochs,
    valMetrics: parse<EvalReport>(r.metrics),
    testMetrics: parse<EvalReport>(r.test_metrics),
    thresholds: parse<Record<string, number>>(r.thresholds) ?? {},
    autoPromote: (obj(obj(config)?.['autoPromote']) as AutoPromoteRecord | null) ?? null
  }
}

/** The share of a report's normal frames that a defect class's mask (`c`, of that report) marks; null without the count or normal frames. */
function normalsMarkedShare(r: EvalReport | null, c: ClassMetrics | undefined): number | null {
  const normals = r ? normalImages(r.overall) : 0
  return c?.normalsMarked === undefined || normals <= 0 ? null : c.normalsMarked / normals
}

function delta(a: number | null | undefined, b: number | null | undefined): MetricDelta {
  const x = a ?? null
  const y = b ?? null
  return { a: x, b: y, delta: x !== null && y !== null ? y - x : null }
}

/**
 * Metric deltas per class and per view (B minus A) and how the two runs' data
 * differ. The figures are each run's stored test report unless `reports`
 * gives others (compare.ts: both models re-evaluated on the same labels).
 */
export function compareRuns(
  ws: Workspace,
  aId: number,
  bId: number,
  reports?: { a: EvalReport | null; b: EvalReport | null }
): Omit<RunComparison, 'basis' | 'regression'> {
  const a = getRun(ws, aId)
  const b = getRun(ws, bId)
  const ta = reports ? reports.a : a.testMetrics
  const tb = reports ? reports.b : b.testMetrics
  const classNames = [...new Set([...(ta?.overall.classes ?? []), ...(tb?.overall.classes ?? [])].map((c) => c.name))]
  const cls = (r: EvalReport | null, name: string) => r?.overall.classes.find((c) => c.name === name)
  const views = [...new Set([...Object.keys(ta?.perView ?? {}), ...Object.keys(tb?.perView ?? {})])].sort()
  const idsA = new Set(a.snapshot?.imageIds ?? [])
  const idsB = new Set(b.snapshot?.imageIds ?? [])
  const both = [...idsA].filter((id) => idsB.has(id)).length
  const newRevisions =
    a.snapshot && b.snapshot
      ? (ws.db.prepare('SELECT count(*) FROM label_revisions WHERE id > ? AND id <= ?').pluck().get(a.snapshot.maxRevision, b.snapshot.maxRevision) as number)
      : 0
  const sameTest = JSON.stringify([...(a.snapshot?.testImageIds ?? [])].sort()) === JSON.stringify([...(b.snapshot?.testImageIds ?? [])].sort())
  return {
    a,
    b,
    overall: {
      mpa: delta(ta?.overall.mpa, tb?.overall.mpa),
      miou: delta(ta?.overall.miou, tb?.overall.miou),
      imageAuroc: delta(ta?.overall.imageAuroc, tb?.overall.imageAuroc)
    },
    classes: classNames.map((name) => ({
      name,
      iou: delta(cls(ta, name)?.iou, cls(tb, name)?.iou),
      pixelAuroc: delta(cls(ta, name)?.pixelAuroc, cls(tb, name)?.pixelAuroc),
      pixelAp: delta(cls(ta, name)?.pixelAp, cls(tb, name)?.pixelAp),
      normalsMarked: delta(normalsMarkedShare(ta, cls(ta, name)), normalsMarkedShare(tb, cls(tb, name)))
    })),
    views: views.map((view) => ({
      view,
      mpa: delta(ta?.perView[view]?.mpa, tb?.perView[view]?.mpa),
      miou: delta(ta?.perView[view]?.miou, tb?.perView[view]?.miou)
    })),
    data: {
      onlyA: idsA.size - both,
      onlyB: idsB.size - both,
      both,
      newRevisions,
      countsA: a.snapshot?.counts ?? null,
      countsB: b.snapshot?.counts ?? null,
      sameTestSet: sameTest && (a.snapshot?.testImageIds.length ?? 0) > 0
    }
  }
}
