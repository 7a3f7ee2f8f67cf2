import { describe, expect, it } from 'vitest'
import { reconSettingsDiffer } from './retrainStatus'
import { setupOf } from './runsRead'
import { DEFAULT_TRAINING, toConfigs } from './trainingSettings'

/** A training run's stored config, as mlService writes it. */
function storedConfig(model: Record<string, unknown>): unknown {
  const { model: m, train } = toConfigs(DEFAULT_TRAINING)
  return { arch: 'arcd', preset: 'cpu', model: { ...m, ...model }, train }
}

describe('whether a retrain must train stage 1 again', () => {
  it('reuses the reconstruction of a model trained with the same settings', () => {
    expect(reconSettingsDiffer(setupOf('train', storedConfig({})), DEFAULT_TRAINING)).toBe(false)
  })

  it('trains it again for a model from before skip connections, whose net has another shape', () => {
    const { reconSkips: _dropped, ...old } = toConfigs(DEFAULT_TRAINING).model
    const setup = setupOf('train', { arch: 'arcd', preset: 'cpu', model: old, train: toConfigs(DEFAULT_TRAINING).train })
    expect(setup?.reconSkips).toBe(false)
    expect(reconSettingsDiffer(setup, DEFAULT_TRAINING)).toBe(true)
  })

  it('trains it again when a setting that shapes stage 1 changed, and for an unknown setup', () => {
    const setup = setupOf('train', storedConfig({}))
    expect(reconSettingsDiffer(setup, { ...DEFAULT_TRAINING, reconBase: 16 })).toBe(true)
    expect(reconSettingsDiffer(setup, { ...DEFAULT_TRAINING, ssimWeight: 0.01 })).toBe(true)
    expect(reconSettingsDiffer(setup, { ...DEFAULT_TRAINING, lr: 0.01 })).toBe(false)
    expect(reconSettingsDiffer(null, DEFAULT_TRAINING)).toBe(true)
  })
})
