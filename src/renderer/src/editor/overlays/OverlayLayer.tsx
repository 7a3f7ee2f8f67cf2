/**
 * Model output over the frame: each class's heatmap in its colour (alpha
 * follows the score, scaled by the opacity slider) and the predicted masks as
 * dashed outlines. Drawn above the labels, below the active layer.
 */
import { memo, useMemo } from 'react'
import { Image as KonvaImage, Layer, Line } from 'react-konva'
import type { ClassDef, PredictedPiece } from '../../../../shared/contract'
import type { FrameSize } from '../model/types'
import { parseHexColor } from '../geometry/fillMask'
import { classColor } from '../ui/look'
import { pieceKey } from './predictedPieces'
import { heatmapRgba, maskRings, type FramePredictions } from './predictions'

export interface OverlaySettings {
  showHeatmap: boolean
  /** 0..1 */
  heatmapOpacity: number
  showMasks: boolean
  /** Only this class's heatmap, or all when null. */
  heatmapClassId: number | null
}

export const DEFAULT_OVERLAY: OverlaySettings = { showHeatmap: true, heatmapOpacity: 0.5, showMasks: true, heatmapClassId: null }

interface Props {
  predictions: FramePredictions | null
  /** The accept service's pieces: outlined instead of the masks once they arrive, so what is shown is what Accept adds. */
  pieces?: readonly PredictedPiece[] | null
  /** The piece whose row the pointer is over. */
  hoverKey?: string | null
  frame: FrameSize | null
  classes: readonly ClassDef[]
  settings: OverlaySettings
}

export const OverlayLayer = memo(function OverlayLayer({ predictions, pieces, hoverKey, frame, classes, settings }: Props) {
  const byId = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes])
  const heatmaps = useMemo(() => {
    if (!predictions) return []
    return predictions.heatmaps.map((h) => {
      const canvas = document.createElement('canvas')
      canvas.width = h.width
      canvas.height = h.height
      canvas.getContext('2d')?.putImageData(new ImageData(heatmapRgba(h, parseHexColor(classColor(byId, h.classId))), h.width, h.height), 0, 0)
      return { classId: h.classId, canvas }
    })
  }, [predictions, byId])
  const outlines = useMemo(() => {
    if (!predictions || !frame) return []
    if (pieces) return pieces.map((p) => ({ key: pieceKey(p), classId: p.classId, ring: p.points, labelled: p.labelled }))
    return predictions.masks.flatMap((m, i) => maskRings(m, frame).map((ring, k) => ({ key: `${i}/${k}`, classId: m.classId, ring, labelled: false })))
  }, [predictions, pieces, frame])
  if (!predictions || !frame) return null
  return (
    <Layer listening={false}>
      {settings.showHeatmap &&
        heatmaps
          .filter((h) => settings.heatmapClassId === null || h.classId === settings.heatmapClassId)
          .map((h) => (
            <KonvaImage
              key={h.classId}
              image={h.canvas}
              x={0}
              y={0}
              width={frame.width}
              height={frame.height}
              opacity={settings.heatmapOpacity}
              listening={false}
            />
          ))}
      {settings.showMasks &&
        outlines.map((o) => (
          <Line
            key={o.key}
            points={o.ring}
            closed
            stroke={classColor(byId, o.classId)}
            strokeWidth={o.key === hoverKey ? 3 : 1.5}
            opacity={o.labelled ? 0.4 : 1}
            dash={o.key === hoverKey ? undefined : [6, 4]}
            strokeScaleEnabled={false}
            listening={false}
          />
        ))}
    </Layer>
  )
})
