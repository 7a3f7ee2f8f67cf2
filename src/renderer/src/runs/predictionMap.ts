/**
 * Stored predictions (the contract's shape) to the editor overlay's shape.
 * The contract's maps carry more (model, scores); the editor needs the maps
 * only. A map whose byte count does not match its size is left out rather
 * than handed to the overlay, which would refuse the whole frame.
 */
import type { FramePredictions as StoredPredictions, PredictionMap } from '../../../shared/contract'
import type { FramePredictions } from '../editor/overlays/predictions'

function usable(m: PredictionMap): boolean {
  return m.width > 0 && m.height > 0 && m.data instanceof Uint8Array && m.data.length === m.width * m.height
}

export function toEditorPredictions(p: StoredPredictions | null): FramePredictions | null {
  if (!p) return null
  const copy = (m: PredictionMap) => ({ classId: m.classId, width: m.width, height: m.height, data: m.data })
  const heatmaps = p.heatmaps.filter(usable).map(copy)
  const masks = p.masks.filter(usable).map(copy)
  if (heatmaps.length === 0 && masks.length === 0) return null
  return { heatmaps, masks }
}
