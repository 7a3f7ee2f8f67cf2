import { describe, expect, it } from 'vitest'
import { retrainPhase } from './phase'

const run = { state: 'done' as const, decision: null, active: false, modelId: 4 }

describe('retrain dialog phase', () => {
  it('follows the run from queued to a decision', () => {
    expect(retrainPhase({ ...run, state: 'queued' })).toBe('running')
    expect(retrainPhase({ ...run, state: 'cancelling' })).toBe('running')
    expect(retrainPhase(run)).toBe('decide')
    expect(retrainPhase({ ...run, decision: 'promoted', active: true })).toBe('promoted')
    expect(retrainPhase({ ...run, decision: 'declined' })).toBe('declined')
  })

  it('treats a model made active elsewhere as promoted, and a failed or cancelled run as stopped', () => {
    expect(retrainPhase({ ...run, active: true })).toBe('promoted')
    expect(retrainPhase({ ...run, state: 'failed' })).toBe('stopped')
    expect(retrainPhase({ ...run, state: 'cancelled', modelId: null })).toBe('stopped')
  })
})
