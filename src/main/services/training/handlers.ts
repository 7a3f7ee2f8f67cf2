import type { NamespaceHandlers } from '../../../shared/contract'
import type { HandlerContext } from '../handlerContext'
import { getRun, listRuns } from './runsRead'
import { getTrainingSettings, setTrainingSettings } from './trainingSettings'

type TrainingHandlers = NamespaceHandlers<'ml'> & NamespaceHandlers<'runs'> & NamespaceHandlers<'retrain'> & NamespaceHandlers<'settings'>

/** The engine, its runs, one-click retrain and the settings they train with. */
export function trainingHandlers({ ws, ml }: HandlerContext): TrainingHandlers {
  return {
    'ml.backend': async () => ml().backendStatus(),
    'runs.list': async () => listRuns(ws()),
    'runs.get': async ({ runId }) => getRun(ws(), runId),
    'runs.train': async ({ arch }) => ({ runId: ml().train(arch ? { arch } : {}) }),
    'runs.cancel': async ({ runId }) => ({ cancelled: ml().cancel(runId) }),
    'runs.resume': async ({ runId }) => ({ runId: ml().resume(runId) }),
    'runs.compare': async ({ a, b }) => ml().compare(a, b),
    'runs.promote': async ({ runId }) => ({ modelId: ml().promote(runId) }),
    'runs.decline': async ({ runId }) => ({ declined: ml().decline(runId) }),
    'retrain.status': async () => ml().retrainStatus(),
    'retrain.start': async ({ rerunStage1 }) => ({ runId: ml().retrain(rerunStage1 ? { rerunStage1 } : {}) }),
    'settings.getTraining': async () => getTrainingSettings(ws()),
    'settings.setTraining': async (patch) => setTrainingSettings(ws(), patch)
  }
}
