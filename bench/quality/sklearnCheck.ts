/**
 * One-off agreement check of the evaluator's exact AP/AUROC against
 * scikit-learn (average_precision_score, roc_auc_score) on the same pixels.
 * The values must agree to float rounding: both group tied scores, and AP
 * is the same step sum.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { EvalReport, SegmentationEvaluator } from '../../src/shared/arcd/metrics'
import { PYTHON } from '../ml/torchRunner'

export interface SklearnRow {
  what: string
  positives: number
  count: number
  ours: { ap: number | null; auroc: number | null }
  sklearn: { ap: number | null; auroc: number | null }
}

export interface SklearnCheck {
  rows: SklearnRow[]
  /** Largest |ours - sklearn| over every defined value. */
  maxAbsDiff: number
}

interface SkOut {
  classes: Record<string, { ap: number | null; auroc: number | null; positives: number; count: number }>
  image: { ap: number | null; auroc: number | null; positives: number; count: number }
}

function write(dir: string, name: string, pos: ArrayLike<number>, neg: ArrayLike<number>): void {
  const scores = new Float32Array(pos.length + neg.length)
  scores.set(pos as ArrayLike<number>, 0)
  scores.set(neg as ArrayLike<number>, pos.length)
  const labels = new Uint8Array(scores.length)
  labels.fill(1, 0, pos.length)
  writeFileSync(path.join(dir, `${name}.f32`), Buffer.from(scores.buffer))
  writeFileSync(path.join(dir, `${name}.u8`), Buffer.from(labels.buffer))
}

export function sklearnAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0
}

export function crossCheck(
  dir: string,
  ev: SegmentationEvaluator,
  report: EvalReport,
  images: { score: number; anomalous: boolean }[]
): SklearnCheck {
  mkdirSync(dir, { recursive: true })
  const names = ev.classes.map((c) => c.name)
  names.forEach((_, i) => {
    const { pos, neg } = ev.sortedScores(i)
    write(dir, String(i), pos, neg)
  })
  write(
    dir,
    'image',
    images.filter((i) => i.anomalous).map((i) => i.score),
    images.filter((i) => !i.anomalous).map((i) => i.score)
  )
  writeFileSync(path.join(dir, 'classes.json'), JSON.stringify(names.map((_, i) => String(i))))
  const r = spawnSync(PYTHON, [path.join(__dirname, 'sklearn_check.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 1_800_000 })
  if (r.status !== 0) throw new Error(`sklearn_check.py failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-2).join(' | ')}`)
  const sk = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as SkOut
  const rows: SklearnRow[] = report.overall.classes.map((c, i) => {
    const s = sk.classes[String(i)]!
    return { what: `pixels ${c.name}`, positives: s.positives, count: s.count, ours: { ap: c.pixelAp, auroc: c.pixelAuroc }, sklearn: { ap: s.ap, auroc: s.auroc } }
  })
  rows.push({
    what: 'image AUROC',
    positives: sk.image.positives,
    count: sk.image.count,
    ours: { ap: null, auroc: report.overall.imageAuroc },
    sklearn: { ap: null, auroc: sk.image.auroc }
  })
  let maxAbsDiff = 0
  for (const row of rows) {
    for (const k of ['ap', 'auroc'] as const) {
      const a = row.ours[k]
      const b = row.sklearn[k]
      if (a !== null && b !== null) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a - b))
      // One side undefined where the other is not is a disagreement too.
      else if ((a === null) !== (b === null)) maxAbsDiff = Infinity
    }
  }
  return { rows, maxAbsDiff }
}
