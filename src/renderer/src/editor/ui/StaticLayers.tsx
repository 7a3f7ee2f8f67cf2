/**
 * Every polygon except the selected one, in two layers that redraw only when
 * polygons, classes, selection or the view change (never during a drag of the
 * selected polygon, which lives in the active layer). Fills are bitmaps from
 * the shared rasteriser, outlines are Konva Lines; shapes off screen are
 * culled; nothing listens for events.
 */
import { memo, useMemo, type Ref } from 'react'
import { Image as KonvaImage, Layer, Line } from 'react-konva'
import type Konva from 'konva'
import type { ClassDef } from '../../../../shared/contract'
import { drawOrder } from '../model/classOrder'
import type { EditorCore } from '../model/editorCore'
import type { EditorPolygon, FrameSize } from '../model/types'
import { boundsIntersect, type Bounds } from '../geometry/hitTest'
import { visibleBounds } from '../geometry/viewport'
import { boundsOfPoints, fillBitmapOf } from './fillCache'
import { OUTLINE_PX, classColor, fillAlpha } from './look'
import { useEditor } from './useEditor'

interface Shown {
  frame: FrameSize | null
  list: EditorPolygon[]
  byId: Map<number, ClassDef>
  visible: Bounds
  locked: ReadonlySet<number>
}

/** The static polygons in draw order (regions first), without hidden classes and the selected polygon. */
function useShown(core: EditorCore): Shown {
  const polygons = useEditor(core, (s) => s.polygons)
  const classes = useEditor(core, (s) => s.classes)
  const prefs = useEditor(core, (s) => s.classPrefs)
  const selectedKey = useEditor(core, (s) => s.selectedKey)
  const frame = useEditor(core, (s) => s.frame)
  const view = useEditor(core, (s) => s.view)
  const viewport = useEditor(core, (s) => s.viewport)
  const list = useMemo(
    () => drawOrder(polygons, classes).filter((p) => p.key !== selectedKey && !prefs.get(p.classId)?.hidden),
    [polygons, classes, prefs, selectedKey]
  )
  const byId = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes])
  const locked = useMemo(() => new Set([...prefs].filter(([, p]) => p.locked).map(([id]) => id)), [prefs])
  const visible = visibleBounds(view, viewport)
  return { frame, list, byId, visible, locked }
}

export const FillLayer = memo(function FillLayer({ core, layerRef }: { core: EditorCore; layerRef?: Ref<Konva.Layer> }) {
  const { frame, list, byId, visible } = useShown(core)
  return (
    <Layer ref={layerRef} listening={false} imageSmoothingEnabled={false}>
      {frame &&
        list.map((p) => (
          <PolygonFill
            key={p.key}
            poly={p}
            frame={frame}
            color={classColor(byId, p.classId)}
            alpha={fillAlpha(byId, p.classId)}
            visible={boundsIntersect(boundsOfPoints(p.points), visible)}
          />
        ))}
    </Layer>
  )
})

const PolygonFill = memo(function PolygonFill(props: { poly: EditorPolygon; frame: FrameSize; color: string; alpha: number; visible: boolean }) {
  const bmp = fillBitmapOf(props.poly, props.frame, props.color, props.alpha)
  if (!bmp) return null
  return (
    <KonvaImage
      image={bmp.canvas}
      x={bmp.x}
      y={bmp.y}
      width={bmp.w}
      height={bmp.h}
      visible={props.visible}
      listening={false}
      perfectDrawEnabled={false}
    />
  )
})

export const OutlineLayer = memo(function OutlineLayer({ core }: { core: EditorCore }) {
  const { list, byId, visible, locked } = useShown(core)
  return (
    <Layer listening={false}>
      {list.map((p) => (
        <PolygonOutline
          key={p.key}
          points={p.points}
          color={classColor(byId, p.classId)}
          locked={locked.has(p.classId)}
          visible={boundsIntersect(boundsOfPoints(p.points), visible)}
        />
      ))}
    </Layer>
  )
})

const LOCKED_DASH = [4, 4]

const PolygonOutline = memo(function PolygonOutline(props: { points: readonly number[]; color: string; locked: boolean; visible: boolean }) {
  return (
    <Line
      // Konva reads the array and never writes it.
      points={props.points as number[]}
      closed
      stroke={props.color}
      strokeWidth={OUTLINE_PX}
      strokeScaleEnabled={false}
      dash={props.locked ? LOCKED_DASH : undefined}
      opacity={props.locked ? 0.6 : 1}
      visible={props.visible}
      listening={false}
      perfectDrawEnabled={false}
    />
  )
})
