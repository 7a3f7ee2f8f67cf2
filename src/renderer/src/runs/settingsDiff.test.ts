import { describe, expect, it } from 'vitest'
import type { DataSnapshot, RunSetup } from '../../../shared/contract'
import { runSettingsRows, settingsDiff } from './settingsDiff'

const setup: RunSetup = {
  preset: 'cpu',
  input: 'tiles',
  size: 32,
  maxShortSide: 1024,
  reconBase: 4,
  discBase: 4,
  reconDepth: 2,
  discDepth: 2,
  reconSkips: true,
  reconResidual: true,
  budgetMinutes: 0,
  steps1: 6,
  steps2: 24,
  evalRounds: 3,
  epochs1: 20,
  epochs2: 30,
  batchSize: 2,
  lr: 0.002,
  loss: 'focal-dice',
  ssimWeight: 1,
  pretrainShare: 0,
  rotate90: true,
  maxNormalMarked: 0.2,
  inferFlips: false,
  seed: 1,
  skipStage1: false
}
const snapshot: DataSnapshot = {
  counts: { images: 20, normal: 8, labeled: 12, byView: {}, bySplit: { test: 4, train: 13, val: 3 }, byClass: { fold: 7, edge_crack: 5 } },
  maxRevision: 9,
  imageIds: [],
  testImageIds: [1, 2, 3, 4]
}

describe('run settings side by side', () => {
  it('lists settings, backend and data counts of a run', () => {
    const rows = Object.fromEntries(runSettingsRows({ arch: 'arcd', setup, backend: 'wasm', snapshot, warmStartModelId: null }))
    expect(rows).toMatchObject({
      Model: 'ARCD',
      Preset: 'CPU',
      Input: '32 px crops, tiles up to 64 px, short side up to 1024 px',
      Length: '6 + 24 steps, 3 validation rounds per stage',
      Optimiser: 'batch 2, lr 0.002, seed 1',
      Backend: 'wasm',
      Frames: '20 (12 labelled, 8 normal)',
      'Frames per split': 'train 13, val 3, test 4',
      'Frames with edge_crack': '5',
      'Frames with fold': '7',
      'Test frames': '4',
      'Warm start': 'none'
    })
  })

  it('marks exactly the rows that differ, including rows only one run has', () => {
    const a = runSettingsRows({ arch: 'arcd', setup, backend: 'wasm', snapshot, warmStartModelId: null })
    const b = runSettingsRows({
      arch: 'arcd',
      setup: { ...setup, steps2: 2, lr: 0.01, pretrainShare: 0.3, skipStage1: true },
      backend: 'wasm',
      snapshot: { ...snapshot, counts: { ...snapshot.counts, byClass: { edge_crack: 5, scratch: 1 } } },
      warmStartModelId: 3
    })
    const diff = settingsDiff(a, b)
    expect(diff.filter((r) => r.differs).map((r) => r.label)).toEqual(['Length', 'Optimiser', 'Simulated anomalies', 'Stage 1', 'Warm start', 'Frames with fold', 'Frames with scratch'])
    expect(diff.find((r) => r.label === 'Frames with fold')).toEqual({ label: 'Frames with fold', a: '7', b: null, differs: true })
    expect(diff.find((r) => r.label === 'Backend')).toEqual({ label: 'Backend', a: 'wasm', b: 'wasm', differs: false })
  })
})
