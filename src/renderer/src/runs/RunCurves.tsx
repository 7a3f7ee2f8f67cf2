/** Loss curves of a run, one chart per stage, from its stored epochs and what arrives live. */
import { useMemo } from 'react'
import type { RunEpoch } from '../../../shared/contract'
import { mergeEpochs, stageCurves } from './curves'
import { LossChart } from './LossChart'
import { plannedEpochs } from './plan'
import { useRunLive } from './runLive'

interface Props {
  runId: number
  /** Epochs from runs.get. */
  history: readonly RunEpoch[]
  config: unknown
}

export function RunCurves({ runId, history, config }: Props) {
  const live = useRunLive()
  const liveEpochs = live.epochs(runId)
  const samples = live.samples(runId)
  const curves = useMemo(() => stageCurves(mergeEpochs(history, liveEpochs), samples, plannedEpochs(config)), [history, liveEpochs, samples, config])
  if (curves.length === 0) {
    return (
      <p className="muted curves-empty" data-testid="loss-charts-empty">
        The loss curves appear with the first training steps.
      </p>
    )
  }
  return (
    <div className="loss-charts" data-testid="loss-charts">
      {curves.map((c) => (
        <LossChart key={c.stage} curves={c} />
      ))}
    </div>
  )
}
