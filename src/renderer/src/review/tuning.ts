/** Which frames the review's thresholds are tuned on, and whether test frames are among them. */
import type { Split } from '../../../shared/domain'

/** Validation frames of the filter (the default), or the queue's filter as it is. */
export type TuneOn = 'val' | 'filter'

/** The filter the metrics and curves are computed on. */
export function tuningSplits(tuneOn: TuneOn, splits: readonly Split[] | undefined): readonly Split[] | undefined {
  return tuneOn === 'val' ? ['val'] : splits
}

/**
 * Where test frames enter the tuning figures: the metrics and curves (tuning
 * on a filter that takes the test split, or every split), the frame counts
 * beside the sliders (a filter that names the test split), or nowhere.
 */
export function testInTuning(tuneOn: TuneOn, splits: readonly Split[] | undefined): 'metrics' | 'counts' | null {
  const filterHasTest = !splits || splits.length === 0 || splits.includes('test')
  if (tuneOn === 'filter' && filterHasTest) return 'metrics'
  if (splits?.includes('test')) return 'counts'
  return null
}
