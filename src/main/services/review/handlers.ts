import type { NamespaceHandlers } from '../../../shared/contract'
import type { HandlerContext } from '../handlerContext'
import { reviewServiceFor } from './reviewService'

export function reviewHandlers({ ws, ml, events, author }: HandlerContext): NamespaceHandlers<'review'> {
  const review = () => reviewServiceFor(ws(), events)
  return {
    'review.models': async () => review().models(),
    'review.queue': async (scope) => review().queue(scope),
    'review.maps': async ({ modelId, imageId }) => review().maps(modelId, imageId),
    'review.metrics': async (scope) => review().metrics(scope),
    'review.infer': async (args) => review().infer(ml(), args),
    'review.setThresholds': async ({ modelId, thresholds, note }) => review().setThresholds(modelId, thresholds, author, note),
    'review.verdict': async (args) => review().verdict(args, author),
    'review.undoVerdict': async ({ verdictIds }) => review().undoVerdict(verdictIds, author),
    'review.pendingVerdicts': async ({ imageId }) => review().pendingVerdicts(imageId),
    'review.resolveVerdict': async ({ verdictId, action }) => review().resolveVerdict(verdictId, action, author),
    'review.report': async (scope) => review().report(scope)
  }
}
