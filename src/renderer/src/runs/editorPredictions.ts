/** The active model's predictions for a frame, for EditorScreen's predictionsFor. */
import type { FramePredictions } from '../editor'
import { api } from '../api'
import { toEditorPredictions } from './predictionMap'

/** A module function, so its identity is stable and the editor does not reload predictions on every render. */
export async function editorPredictionsFor(imageId: number): Promise<FramePredictions | null> {
  return toEditorPredictions(await api().predictions.get({ imageId }))
}
