/**
 * What changes while the inspector works: the selected polygon (live during a
 * drag), its vertex handles, the polygon being drawn and the brush. Small, so
 * redrawing it on every pointer move stays cheap.
 */
import { useMemo } from 'react'
import { Circle, Image as KonvaImage, Layer, Line, Rect } from 'react-konva'
import type { EditorCore } from '../model/editorCore'
import { findPolygon } from '../model/document'
import type { EditorPolygon } from '../model/types'
import { fillBitmapOf } from './fillCache'
import { FILL_ALPHA, HANDLE_PX, INVALID_COLOR, SELECTED_OUTLINE_PX, classColor } from './look'
import { useEditor } from './useEditor'

export function ActiveLayer({ core }: { core: EditorCore }) {
  const frame = useEditor(core, (s) => s.frame)
  const polygons = useEditor(core, (s) => s.polygons)
  const selectedKey = useEditor(core, (s) => s.selectedKey)
  const selectedVertex = useEditor(core, (s) => s.selectedVertex)
  const preview = useEditor(core, (s) => s.preview)
  const scale = useEditor(core, (s) => s.view.scale)
  const classes = useEditor(core, (s) => s.classes)
  const prefs = useEditor(core, (s) => s.classPrefs)
  const tool = useEditor(core, (s) => s.tool)
  const activeClassId = useEditor(core, (s) => s.activeClassId)
  const brushRadius = useEditor(core, (s) => s.brushRadius)
  const byId = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes])

  const sel = findPolygon(polygons, selectedKey)
  const drag = preview.drag && sel && preview.drag.key === sel.key ? preview.drag : null
  const shown: EditorPolygon | null = useMemo(() => (sel ? (drag ? { ...sel, points: drag.points } : sel) : null), [sel, drag])
  const pref = shown ? prefs.get(shown.classId) : undefined
  const visible = shown !== null && !pref?.hidden
  const color = shown ? classColor(byId, shown.classId) : '#fff'
  const fill = visible && frame ? fillBitmapOf(shown, frame, color, FILL_ALPHA.selected) : null
  const h = HANDLE_PX / scale
  const activeColor = activeClassId !== null ? classColor(byId, activeClassId) : '#fff'

  return (
    <Layer listening={false} imageSmoothingEnabled={false}>
      {fill && <KonvaImage image={fill.canvas} x={fill.x} y={fill.y} width={fill.w} height={fill.h} listening={false} />}
      {visible && (
        <Line
          points={shown.points as number[]}
          closed
          stroke={drag?.invalid ? INVALID_COLOR : color}
          strokeWidth={SELECTED_OUTLINE_PX}
          strokeScaleEnabled={false}
          listening={false}
        />
      )}
      {visible &&
        tool === 'select' &&
        !pref?.locked &&
        handles(shown.points).map(([x, y], i) => (
          <Rect
            key={i}
            x={x - h}
            y={y - h}
            width={2 * h}
            height={2 * h}
            fill={i === selectedVertex ? color : '#ffffff'}
            stroke="#000000"
            strokeWidth={1}
            strokeScaleEnabled={false}
            listening={false}
            perfectDrawEnabled={false}
          />
        ))}
      {preview.draft && <Draft draft={preview.draft} cursor={preview.cursor} color={activeColor} h={h} />}
      {preview.stroke && (
        <Line
          points={strokePoints(preview.stroke.points)}
          stroke={preview.stroke.mode === 'add' ? (sel ? color : activeColor) : '#ffffff'}
          strokeWidth={2 * preview.stroke.radius}
          lineCap="round"
          lineJoin="round"
          opacity={0.45}
          listening={false}
        />
      )}
      {(tool === 'brush' || tool === 'eraser') && preview.cursor && (
        <Circle
          x={preview.cursor[0]}
          y={preview.cursor[1]}
          radius={brushRadius}
          stroke={tool === 'eraser' ? '#ffffff' : activeColor}
          strokeWidth={1}
          dash={[4, 3]}
          strokeScaleEnabled={false}
          listening={false}
        />
      )}
    </Layer>
  )
}

function Draft({ draft, cursor, color, h }: { draft: readonly number[]; cursor: readonly [number, number] | null; color: string; h: number }) {
  const line = cursor ? [...draft, cursor[0], cursor[1]] : (draft as number[])
  return (
    <>
      <Line points={line} stroke={color} strokeWidth={2} strokeScaleEnabled={false} listening={false} />
      {handles(draft).map(([x, y], i) => (
        <Circle
          key={i}
          x={x}
          y={y}
          radius={i === 0 ? 2 * h : h}
          fill={i === 0 ? color : '#ffffff'}
          stroke="#000000"
          strokeWidth={1}
          strokeScaleEnabled={false}
          listening={false}
        />
      ))}
    </>
  )
}

function handles(points: readonly number[]): [number, number][] {
  const out: [number, number][] = []
  for (let k = 0; k + 1 < points.length; k += 2) out.push([points[k]!, points[k + 1]!])
  return out
}

/** A single press still shows a dot: a zero-length segment with round caps. */
function strokePoints(points: readonly number[]): number[] {
  return points.length === 2 ? [points[0]!, points[1]!, points[0]!, points[1]!] : (points as number[])
}
