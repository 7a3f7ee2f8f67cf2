import { describe, expect, it } from 'vitest'
import { testInTuning, tuningSplits } from './tuning'

describe('threshold tuning frames', () => {
  it('tunes on validation frames by default, whatever splits the queue shows', () => {
    expect(tuningSplits('val', undefined)).toEqual(['val'])
    expect(tuningSplits('val', ['train', 'test'])).toEqual(['val'])
    expect(tuningSplits('filter', ['train', 'test'])).toEqual(['train', 'test'])
    expect(tuningSplits('filter', undefined)).toBeUndefined()
  })

  it('warns where test frames enter the figures', () => {
    expect(testInTuning('val', undefined)).toBeNull()
    expect(testInTuning('val', ['train', 'val'])).toBeNull()
    expect(testInTuning('val', ['test'])).toBe('counts')
    // Every split, or the test split named, under "tune on the filter": the metrics and curves hold test frames.
    expect(testInTuning('filter', undefined)).toBe('metrics')
    expect(testInTuning('filter', ['val', 'test'])).toBe('metrics')
    expect(testInTuning('filter', ['train', 'val'])).toBeNull()
  })
})
