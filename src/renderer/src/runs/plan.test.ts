import { describe, expect, it } from 'vitest'
import { isRetrain, overallFraction, plannedEpochs, plannedStages } from './plan'

describe('run plan from the stored config', () => {
  it('lists the stages a run goes through', () => {
    const arcd = { kind: 'train' as const, arch: 'arcd' as const, warmStartModelId: null }
    expect(plannedStages(arcd, { skipStage1: false })).toEqual(['recon', 'disc', 'eval'])
    // A warm-started retrain skips the reconstruction network unless asked.
    expect(plannedStages({ ...arcd, warmStartModelId: 3 }, { skipStage1: true })).toEqual(['disc', 'eval'])
    // skipStage1 without a model to start from trains both.
    expect(plannedStages(arcd, { skipStage1: true })).toEqual(['recon', 'disc', 'eval'])
    expect(plannedStages({ ...arcd, arch: 'unet' }, {})).toEqual(['disc', 'eval'])
    expect(plannedStages({ ...arcd, kind: 'infer' }, null)).toEqual(['infer'])
  })

  it('reads epochs and the retrain mark, tolerating a config it does not know', () => {
    expect(plannedEpochs({ train: { stage1Epochs: 2, stage2Epochs: 4 } })).toEqual({ recon: 2, disc: 4 })
    // Tiles put one point per validation round on each stage's curve.
    expect(plannedEpochs({ model: { input: 'tiles' }, train: { stage1Epochs: 20, stage2Epochs: 30, evalRounds: 12 } })).toEqual({ recon: 12, disc: 12 })
    expect(plannedEpochs({ model: { input: 'letterbox' }, train: { stage1Epochs: 2, stage2Epochs: 4, evalRounds: 12 } })).toEqual({ recon: 2, disc: 4 })
    expect(plannedEpochs('nonsense')).toEqual({})
    expect(isRetrain({ retrain: true })).toBe(true)
    expect(isRetrain(null)).toBe(false)
  })

  it('counts stages equally for the whole-run bar', () => {
    expect(overallFraction(['recon', 'disc', 'eval'], 'disc', 0.5)).toBeCloseTo(0.5)
    expect(overallFraction(['recon', 'disc', 'eval'], 'recon', 0)).toBe(0)
    expect(overallFraction(['disc', 'eval'], 'eval', 1)).toBe(1)
    expect(overallFraction(['disc', 'eval'], 'recon', 0.5)).toBeNull()
    expect(overallFraction(['disc'], null, 0)).toBeNull()
  })
})
