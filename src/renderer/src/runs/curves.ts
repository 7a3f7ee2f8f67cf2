/**
 * Loss curves from a run's epochs and the live progress samples: points per
 * stage, a y-domain with some air, and SVG path data. Pure, unit-tested.
 */
import type { RunEpoch } from '../../../shared/contract'
import { extent } from '../../../shared/arrays'

export interface Point {
  x: number
  y: number
}

/** A running-mean loss seen in a run.progress event; x in epochs (1.5 = half way through epoch 2). */
export interface LiveSample {
  stage: string
  x: number
  loss: number
}

export interface StageCurves {
  stage: string
  /** Epochs the stage is set to run, for the x-axis; at least the epochs seen. */
  epochs: number
  train: Point[]
  val: Point[]
  live: Point[]
}

/** History from runs.get, then live epochs; a later record of the same stage and epoch (a resume) wins. */
export function mergeEpochs(history: readonly RunEpoch[], live: readonly RunEpoch[]): RunEpoch[] {
  const byKey = new Map<string, RunEpoch>()
  for (const e of [...history, ...live]) {
    const key = `${e.stage}/${e.epoch}`
    byKey.delete(key)
    byKey.set(key, e)
  }
  // Stages keep the order they first ran in; epochs ascend within a stage.
  const order: string[] = []
  for (const e of [...history, ...live]) if (!order.includes(e.stage)) order.push(e.stage)
  return [...byKey.values()].sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage) || a.epoch - b.epoch)
}

export function stageCurves(epochs: readonly RunEpoch[], samples: readonly LiveSample[], planned: Record<string, number>): StageCurves[] {
  const stages: string[] = []
  for (const s of [...epochs.map((e) => e.stage), ...samples.map((s) => s.stage)]) if (!stages.includes(s)) stages.push(s)
  return stages.map((stage) => {
    const mine = epochs.filter((e) => e.stage === stage)
    const live = samples.filter((s) => s.stage === stage).map((s) => ({ x: s.x, y: s.loss }))
    const seen = Math.max(0, extent([...mine.map((e) => e.epoch), ...live.map((p) => Math.ceil(p.x))])?.max ?? 0)
    return {
      stage,
      epochs: Math.max(planned[stage] ?? 0, seen, 1),
      train: mine.filter((e) => Number.isFinite(e.trainLoss)).map((e) => ({ x: e.epoch, y: e.trainLoss })),
      val: mine.filter((e) => e.valLoss !== null && Number.isFinite(e.valLoss)).map((e) => ({ x: e.epoch, y: e.valLoss! })),
      live: live.filter((p) => Number.isFinite(p.y))
    }
  })
}

/** The y-range to draw: the values with 8 % air each side, never empty. */
export function yDomain(values: readonly number[]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length === 0) return [0, 1]
  const range = extent(finite)!
  let lo = range.min
  let hi = range.max
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1
    return [lo - pad, hi + pad]
  }
  const pad = (hi - lo) * 0.08
  lo -= pad
  hi += pad
  // Losses are not negative: don't draw air below zero.
  if (lo < 0 && range.min >= 0) lo = 0
  return [lo, hi]
}

export interface Frame {
  left: number
  top: number
  width: number
  height: number
  x: [number, number]
  y: [number, number]
}

export function toScreen(f: Frame, p: Point): [number, number] {
  const sx = f.left + ((p.x - f.x[0]) / (f.x[1] - f.x[0] || 1)) * f.width
  const sy = f.top + f.height - ((p.y - f.y[0]) / (f.y[1] - f.y[0] || 1)) * f.height
  return [sx, sy]
}

/** SVG path data through the points, in order; empty for none. */
export function linePath(f: Frame, points: readonly Point[]): string {
  return points
    .map((p, i) => {
      const [x, y] = toScreen(f, p)
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`
    })
    .join(' ')
}

/** Whole-epoch ticks, at most about `max` of them. */
export function epochTicks(epochs: number, max = 6): number[] {
  const step = Math.max(1, Math.ceil(epochs / max))
  const out: number[] = []
  for (let e = 0; e <= epochs; e += step) out.push(e)
  if (out[out.length - 1] !== epochs) out.push(epochs)
  return out
}
