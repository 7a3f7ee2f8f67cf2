/** Which view of the retrain dialog a run calls for. Pure, unit-tested. */
import type { RunSummary } from '../../../shared/contract'

export type RetrainPhase = 'start' | 'loading' | 'running' | 'decide' | 'promoted' | 'declined' | 'stopped'

export function retrainPhase(run: Pick<RunSummary, 'state' | 'decision' | 'active' | 'modelId'>): RetrainPhase {
  if (run.state === 'queued' || run.state === 'running' || run.state === 'cancelling') return 'running'
  if (run.state === 'failed' || run.state === 'cancelled') return 'stopped'
  // A run made active elsewhere (the Runs page) counts as promoted even without the decision mark.
  if (run.decision === 'promoted' || run.active) return 'promoted'
  if (run.decision === 'declined') return 'declined'
  return run.modelId !== null ? 'decide' : 'stopped'
}
