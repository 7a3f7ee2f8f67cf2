import { describe, expect, it } from 'vitest'
import type { FramePredictions } from '../../../shared/contract'
import { toEditorPredictions } from './predictionMap'

const map = (classId: number, width: number, height: number, fill = 7) => ({ classId, width, height, data: new Uint8Array(width * height).fill(fill) })

describe('stored predictions to the editor overlay', () => {
  it('keeps the maps the editor draws and nothing else', () => {
    const stored: FramePredictions = {
      imageId: 5,
      modelId: 2,
      runId: 9,
      score: 0.7,
      classScores: { fold: 0.7 },
      heatmaps: [map(1, 4, 8), map(3, 4, 8)],
      masks: [map(1, 48, 96, 1)]
    }
    const out = toEditorPredictions(stored)!
    expect(Object.keys(out).sort()).toEqual(['heatmaps', 'masks'])
    expect(out.heatmaps.map((h) => [h.classId, h.width, h.height])).toEqual([
      [1, 4, 8],
      [3, 4, 8]
    ])
    expect(out.masks[0]!.data).toBe(stored.masks[0]!.data)
  })

  it('drops a map whose bytes do not fit its size, and returns null when nothing is left', () => {
    const broken = { ...map(1, 4, 8), data: new Uint8Array(5) }
    const base = { imageId: 1, modelId: 1, runId: 1, score: 0, classScores: {} }
    expect(toEditorPredictions({ ...base, heatmaps: [broken, map(2, 2, 2)], masks: [] })!.heatmaps.map((h) => h.classId)).toEqual([2])
    expect(toEditorPredictions({ ...base, heatmaps: [broken], masks: [] })).toBeNull()
    expect(toEditorPredictions(null)).toBeNull()
  })
})
