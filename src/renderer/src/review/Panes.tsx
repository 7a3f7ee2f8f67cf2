/**
 * The four panes, zoom and pan kept in step: the frame; the reconstruction
 * (or |frame - reconstruction|); the heatmap with its colour scale; labels
 * against prediction coloured TP / FP / FN. All draw in frame pixels through
 * one view transform; maps at another size are stretched onto the frame.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import type { ClassDef, Thresholds } from '../../../shared/contract'
import { heatColour, heatLut, hex, OUTCOME_COLOURS } from '../../../shared/review/colors'
import { fitView, panBy, wheelFactor, zoomAt, type View } from '../editor/geometry/viewport'
import { pixelsOf, type FrameData } from './frameData'
import { diffRgba, heatRgba, maxOf, outcomeRgba } from './layers'
import { thresholdText } from '../../../shared/arcd/thresholdText'

export type Focus = number | 'all'

interface Props {
  data: FrameData | null
  classes: ClassDef[]
  thresholds: Thresholds
  focus: Focus
  diff: boolean
  view: View | null
  onView(v: View): void
  /** Called after the panes have drawn a frame (for the latency hooks). */
  onDrawn?(imageId: number): void
  /** Polygons T would add (frame pixels), outlined on the frame and outcome panes. */
  preview?: readonly PreviewRing[] | null
}

export interface PreviewRing {
  points: readonly number[]
  colour: string
}

const LUT = heatLut()

function layer(rgba: Uint8ClampedArray, w: number, h: number): OffscreenCanvas {
  const c = new OffscreenCanvas(w, h)
  c.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0)
  return c
}

interface Layers {
  heat: OffscreenCanvas | null
  outcome: OffscreenCanvas
  diff: OffscreenCanvas | null
  pixels: { tp: number; fp: number; fn: number }
}

function buildLayers(d: FrameData, classes: ClassDef[], thresholds: Thresholds, focus: Focus, diff: boolean): Layers {
  const w = d.mapWidth
  const h = d.mapHeight
  const n = w * h
  const shown = classes.filter((c) => (focus === 'all' ? c.kind === 'defect' : c.id === focus))
  const probs = shown.map((c) => d.probs.get(c.id) ?? null)
  const heatSrc = probs.length === 1 ? probs[0]! : maxOf(probs, n)
  const heat = heatSrc ? layer(heatRgba(heatSrc, LUT), w, h) : null
  const empty = new Uint8Array(n)
  // Every class with a map takes part, so the shown ones get the pixels the one threshold rule gives them.
  const shownIds = new Set(shown.map((c) => c.id))
  const o = outcomeRgba(
    classes.map((c) => ({
      classId: c.id,
      name: c.name,
      kind: c.kind,
      prob: d.probs.get(c.id) ?? null,
      truth: d.truth.get(c.id) ?? empty,
      threshold: thresholds[c.name] ?? 0.5,
      shown: shownIds.has(c.id)
    })),
    n
  )
  let diffLayer: OffscreenCanvas | null = null
  if (diff && d.recon) diffLayer = layer(diffRgba(d.frameRgba, pixelsOf(d.recon, w, h)), w, h)
  return { heat, outcome: layer(o.rgba, w, h), diff: diffLayer, pixels: { tp: o.tp, fp: o.fp, fn: o.fn } }
}

type PaneId = 'frame' | 'recon' | 'heat' | 'outcome'
const PANES: PaneId[] = ['frame', 'recon', 'heat', 'outcome']

function strokeRings(ctx: CanvasRenderingContext2D, rings: readonly PreviewRing[], scale: number): void {
  for (const r of rings) {
    if (r.points.length < 6) continue
    ctx.beginPath()
    ctx.moveTo(r.points[0]!, r.points[1]!)
    for (let k = 2; k + 1 < r.points.length; k += 2) ctx.lineTo(r.points[k]!, r.points[k + 1]!)
    ctx.closePath()
    // A dark halo under the class colour keeps the outline visible on any frame; widths are in screen pixels.
    ctx.setLineDash([])
    ctx.lineWidth = 4 / scale
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)'
    ctx.stroke()
    ctx.setLineDash([6 / scale, 3 / scale])
    ctx.lineWidth = 2 / scale
    ctx.strokeStyle = r.colour
    ctx.stroke()
  }
  ctx.setLineDash([])
}

function draw(canvas: HTMLCanvasElement, pane: PaneId, d: FrameData, layers: Layers, view: View, diff: boolean, preview: readonly PreviewRing[] | null): void {
  const dpr = window.devicePixelRatio || 1
  const w = Math.round(canvas.clientWidth * dpr)
  const h = Math.round(canvas.clientHeight * dpr)
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w
    canvas.height = h
  }
  const ctx = canvas.getContext('2d')!
  ctx.setTransform(1, 0, 0, 1, 0, 0)
  ctx.fillStyle = '#0d0e10'
  ctx.fillRect(0, 0, w, h)
  ctx.setTransform(dpr * view.scale, 0, 0, dpr * view.scale, dpr * view.x, dpr * view.y)
  // Pixels stay square when zoomed in; smoothing only helps when zoomed out.
  ctx.imageSmoothingEnabled = view.scale * dpr < 1
  const put = (src: CanvasImageSource | null): void => {
    if (src) ctx.drawImage(src, 0, 0, d.width, d.height)
  }
  if (pane === 'frame') put(d.frame)
  else if (pane === 'recon') put(diff ? layers.diff : d.recon)
  else if (pane === 'heat') put(layers.heat)
  else {
    put(d.frameGrey)
    put(layers.outcome)
  }
  if (preview && (pane === 'frame' || pane === 'outcome')) strokeRings(ctx, preview, view.scale)
}

export function Panes({ data, classes, thresholds, focus, diff, view, onView, onDrawn, preview = null }: Props) {
  const canvases = useRef<Record<PaneId, HTMLCanvasElement | null>>({ frame: null, recon: null, heat: null, outcome: null })
  const gridRef = useRef<HTMLDivElement>(null)
  const [size, setSize] = useState<{ width: number; height: number } | null>(null)
  // Every class's threshold matters: the defect classes compete for pixels.
  const focusKey = classes.map((c) => `${c.id}:${thresholds[c.name] ?? ''}`).join(',')
  const layers = useMemo(() => (data ? buildLayers(data, classes, thresholds, focus, diff) : null), [data, classes, focusKey, focus, diff])

  // Pane size, for fitting the frame.
  useEffect(() => {
    const el = canvases.current.frame
    if (!el) return
    const ro = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  // A new frame size (or the first frame): fit it.
  const fittedFor = useRef('')
  useEffect(() => {
    if (!data || !size || size.width === 0) return
    const key = `${data.width}x${data.height}@${size.width}x${size.height}`
    if (fittedFor.current === key && view) return
    fittedFor.current = key
    onView(fitView(data, size, 8))
  }, [data, size, view, onView])

  useEffect(() => {
    if (!data || !layers || !view) return
    const raf = requestAnimationFrame(() => {
      for (const p of PANES) {
        const c = canvases.current[p]
        if (c) draw(c, p, data, layers, view, diff, preview)
      }
      onDrawn?.(data.imageId)
    })
    return () => cancelAnimationFrame(raf)
  }, [data, layers, view, diff, onDrawn, size, preview])

  // Wheel zoom at the cursor and drag to pan, on any pane, applied to all.
  const viewRef = useRef(view)
  viewRef.current = view
  useEffect(() => {
    const root = gridRef.current
    if (!root) return
    const onWheel = (e: WheelEvent) => {
      const v = viewRef.current
      const target = (e.target as HTMLElement).closest('canvas')
      if (!v || !target) return
      e.preventDefault()
      const r = target.getBoundingClientRect()
      onView(zoomAt(v, e.clientX - r.left, e.clientY - r.top, wheelFactor(e.deltaY, e.deltaMode)))
    }
    let drag: { x: number; y: number; id: number } | null = null
    const onDown = (e: PointerEvent) => {
      if (!(e.target as HTMLElement).closest('canvas') || e.button !== 0) return
      drag = { x: e.clientX, y: e.clientY, id: e.pointerId }
      ;(e.target as HTMLElement).setPointerCapture(e.pointerId)
    }
    const onMove = (e: PointerEvent) => {
      const v = viewRef.current
      if (!drag || drag.id !== e.pointerId || !v) return
      const dx = e.clientX - drag.x
      const dy = e.clientY - drag.y
      drag = { ...drag, x: e.clientX, y: e.clientY }
      onView(panBy(v, dx, dy))
    }
    const onUp = (e: PointerEvent) => {
      if (drag?.id === e.pointerId) drag = null
    }
    root.addEventListener('wheel', onWheel, { passive: false })
    root.addEventListener('pointerdown', onDown)
    root.addEventListener('pointermove', onMove)
    root.addEventListener('pointerup', onUp)
    root.addEventListener('pointercancel', onUp)
    return () => {
      root.removeEventListener('wheel', onWheel)
      root.removeEventListener('pointerdown', onDown)
      root.removeEventListener('pointermove', onMove)
      root.removeEventListener('pointerup', onUp)
      root.removeEventListener('pointercancel', onUp)
    }
  }, [onView])

  const focusClass = focus === 'all' ? null : classes.find((c) => c.id === focus)
  const threshold = focusClass ? thresholds[focusClass.name] : undefined
  const titles: Record<PaneId, string> = {
    frame: 'Frame',
    recon: diff ? '|Frame − reconstruction|' : data && !data.recon ? 'Reconstruction (none: U-Net model)' : 'Reconstruction',
    heat: `Heatmap · ${focusClass ? focusClass.name : 'all defect classes'}`,
    outcome: `Labels vs prediction · ${focusClass ? focusClass.name : 'all defect classes'}`
  }
  return (
    <div className="review-panes" ref={gridRef} data-testid="review-panes">
      {PANES.map((p) => (
        <div key={p} className="review-pane">
          <div className="review-pane-title">{titles[p]}</div>
          <canvas
            ref={(el) => {
              canvases.current[p] = el
            }}
            data-testid="review-pane"
            data-pane={p}
            data-preview={preview?.length ?? 0}
            data-scale={view?.scale.toFixed(4) ?? ''}
            data-x={view?.x.toFixed(2) ?? ''}
            data-y={view?.y.toFixed(2) ?? ''}
            onDoubleClick={() => data && size && onView(fitView(data, size, 8))}
          />
          {p === 'heat' && <HeatLegend threshold={threshold} />}
          {p === 'outcome' && (
            <div className="review-legend" data-testid="outcome-legend">
              <span>
                <i style={{ background: hex(OUTCOME_COLOURS.tp) }} /> TP {layers?.pixels.tp ?? 0}
              </span>
              <span>
                <i style={{ background: hex(OUTCOME_COLOURS.fp) }} /> FP {layers?.pixels.fp ?? 0}
              </span>
              <span>
                <i style={{ background: hex(OUTCOME_COLOURS.fn) }} /> FN {layers?.pixels.fn ?? 0}
              </span>
              <span className="muted">px</span>
            </div>
          )}
        </div>
      ))}
    </div>
  )
}

const RAMP = `linear-gradient(to right, ${Array.from({ length: 11 }, (_, k) => `${hex(heatColour(k / 10))} ${k * 10}%`).join(', ')})`

function HeatLegend({ threshold }: { threshold: number | undefined }) {
  return (
    <div className="review-legend heat-legend" data-testid="heat-legend">
      <span>0</span>
      <span className="heat-ramp" style={{ background: RAMP }}>
        {threshold !== undefined && <span className="heat-mark" style={{ left: `${threshold * 100}%` }} title={`threshold ${thresholdText(threshold)}`} />}
      </span>
      <span>1</span>
      <span className="muted">probability{threshold !== undefined ? ` · threshold ${thresholdText(threshold)}` : ''}</span>
    </div>
  )
}
