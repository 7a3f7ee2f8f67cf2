/** A training run's settings and data as rows, and two runs' rows side by side with differences marked. Pure, unit-tested. */
import type { RunDetail } from '../../../shared/contract'
import { setupRows } from './format'

export type SettingRow = [label: string, value: string]

/** "train 12, val 3, test 4". */
export function splitText(bySplit: Record<string, number>): string {
  const order = ['train', 'val', 'test']
  const keys = [...order.filter((k) => k in bySplit), ...Object.keys(bySplit).filter((k) => !order.includes(k)).sort()]
  return keys.map((k) => `${k} ${bySplit[k]}`).join(', ') || 'none'
}

/** Settings as run (setupRows), then what they ran on: architecture, backend, frames per split and class. */
export function runSettingsRows(run: Pick<RunDetail, 'arch' | 'setup' | 'backend' | 'snapshot' | 'warmStartModelId'>): SettingRow[] {
  const rows: SettingRow[] = [['Model', run.arch === 'unet' ? 'U-Net baseline' : 'ARCD']]
  for (const row of run.setup ? setupRows(run.setup, run.arch) : []) rows.push(row)
  if (run.setup) rows.push(['Stage 1', run.setup.skipStage1 ? 'reused from the warm-start model' : 'trained'])
  rows.push(['Warm start', run.warmStartModelId !== null ? `model #${run.warmStartModelId}` : 'none'])
  rows.push(['Backend', run.backend ?? 'not recorded'])
  const c = run.snapshot?.counts
  if (c) {
    rows.push(['Frames', `${c.images} (${c.labeled} labelled, ${c.normal} normal)`])
    rows.push(['Frames per split', splitText(c.bySplit)])
    for (const name of Object.keys(c.byClass).sort()) rows.push([`Frames with ${name}`, String(c.byClass[name])])
  }
  if (run.snapshot) rows.push(['Test frames', String(run.snapshot.testImageIds.length)])
  return rows
}

export interface SettingDiffRow {
  label: string
  /** Null: the run has no such row (e.g. the U-Net has no reconstruction net). */
  a: string | null
  b: string | null
  differs: boolean
}

/** Rows of both runs in A's order, then B's extra rows; a row differs when its values do. */
export function settingsDiff(a: SettingRow[], b: SettingRow[]): SettingDiffRow[] {
  const bMap = new Map(b)
  const aMap = new Map(a)
  const labels = [...a.map(([l]) => l), ...b.map(([l]) => l).filter((l) => !aMap.has(l))]
  return labels.map((label) => {
    const va = aMap.get(label) ?? null
    const vb = bMap.get(label) ?? null
    return { label, a: va, b: vb, differs: va !== vb }
  })
}
