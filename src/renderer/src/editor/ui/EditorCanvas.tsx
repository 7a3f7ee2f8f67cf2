/**
 * The Konva stage and its input. Pointer input goes to the tools through the
 * core (image coordinates, hit tolerance from the zoom); the wheel zooms
 * towards the cursor; space-drag or the middle button pans. Layers, bottom to
 * top: frame, fills, outlines, model overlay, active shapes.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { Image as KonvaImage, Layer, Stage } from 'react-konva'
import type Konva from 'konva'
import type { PredictedPiece } from '../../../../shared/contract'
import type { EditorCore } from '../model/editorCore'
import { polygonAt } from '../geometry/hitTest'
import { wheelFactor } from '../geometry/viewport'
import { OverlayLayer, type OverlaySettings } from '../overlays/OverlayLayer'
import type { FramePredictions } from '../overlays/predictions'
import { ActiveLayer } from './ActiveLayer'
import type { DecodedFrame } from './frameImages'
import { FillLayer, OutlineLayer } from './StaticLayers'
import { useEditor } from './useEditor'

export interface CanvasHandle {
  container: HTMLDivElement
  stage: Konva.Stage | null
  fillLayer: Konva.Layer | null
}

interface Props {
  core: EditorCore
  image: DecodedFrame | null
  predictions: FramePredictions | null
  /** The accept service's predicted pieces, outlined over the frame. */
  pieces?: readonly PredictedPiece[] | null
  hoverKey?: string | null
  /**
   * A select-tool click at an image point that hits no label: true when it
   * was taken (a predicted piece accepted there), so the tool does not see it.
   */
  onPickPiece?(x: number, y: number): boolean
  overlay: OverlaySettings
  onHandle(handle: CanvasHandle | null): void
}

export function EditorCanvas({ core, image, predictions, pieces, hoverKey, onPickPiece, overlay, onHandle }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const stage = useRef<Konva.Stage>(null)
  const fillLayer = useRef<Konva.Layer>(null)
  const [spaceHeld, setSpaceHeld] = useState(false)
  const viewport = useEditor(core, (s) => s.viewport)
  const view = useEditor(core, (s) => s.view)
  const tool = useEditor(core, (s) => s.tool)
  const frame = useEditor(core, (s) => s.frame)
  const classes = useEditor(core, (s) => s.classes)

  useLayoutEffect(() => {
    const el = box.current
    if (!el) return
    const measure = () => core.setViewport({ width: el.clientWidth, height: el.clientHeight })
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(el)
    return () => observer.disconnect()
  }, [core])

  useEffect(() => {
    const el = box.current
    if (!el) return
    onHandle({ container: el, stage: stage.current, fillLayer: fillLayer.current })
    return () => onHandle(null)
  }, [onHandle, viewport.width > 0])

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space' && !isTextField(e.target)) {
        e.preventDefault()
        setSpaceHeld(true)
      }
    }
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') setSpaceHeld(false)
    }
    const blur = () => setSpaceHeld(false)
    window.addEventListener('keydown', down)
    window.addEventListener('keyup', up)
    window.addEventListener('blur', blur)
    return () => {
      window.removeEventListener('keydown', down)
      window.removeEventListener('keyup', up)
      window.removeEventListener('blur', blur)
    }
  }, [])

  const spaceRef = useRef(spaceHeld)
  spaceRef.current = spaceHeld
  const pickRef = useRef(onPickPiece)
  pickRef.current = onPickPiece

  useEffect(() => {
    const el = box.current
    if (!el) return
    let pan: { x: number; y: number; id: number } | null = null
    const local = (e: MouseEvent): [number, number] => {
      const r = el.getBoundingClientRect()
      return [e.clientX - r.left, e.clientY - r.top]
    }
    const toolPointer = (e: MouseEvent) => {
      const [sx, sy] = local(e)
      return core.toolPointer(sx, sy, { alt: e.altKey, shift: e.shiftKey })
    }
    // Synthetic events (the benchmark's) may carry a pointer the browser does not track.
    const capture = (id: number) => {
      try {
        el.setPointerCapture(id)
      } catch {
        // Without capture a drag still works while the pointer stays over the canvas.
      }
    }
    const onDown = (e: PointerEvent) => {
      if (e.button === 1 || (e.button === 0 && spaceRef.current)) {
        e.preventDefault()
        pan = { x: e.clientX, y: e.clientY, id: e.pointerId }
        capture(e.pointerId)
        return
      }
      if (e.button !== 0) return
      const p = toolPointer(e)
      // Labels stay on top: a click on one selects it even where a predicted piece lies beneath.
      if (core.getSnapshot().tool === 'select' && pickRef.current && !polygonAt(core.hittable(), p.x, p.y, p.tol) && pickRef.current(p.x, p.y)) {
        e.preventDefault()
        return
      }
      capture(e.pointerId)
      core.pointerDown(p)
    }
    const onMove = (e: PointerEvent) => {
      if (pan) {
        core.panBy(e.clientX - pan.x, e.clientY - pan.y)
        pan.x = e.clientX
        pan.y = e.clientY
        return
      }
      core.pointerMove(toolPointer(e))
    }
    const onUp = (e: PointerEvent) => {
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId)
      if (pan && pan.id === e.pointerId) {
        pan = null
        return
      }
      if (e.button === 0) core.pointerUp(toolPointer(e))
    }
    const onDouble = (e: MouseEvent) => {
      if (!spaceRef.current) core.doubleClick(toolPointer(e))
    }
    const onWheel = (e: WheelEvent) => {
      e.preventDefault()
      const [sx, sy] = local(e)
      core.zoomAt(sx, sy, wheelFactor(e.deltaY, e.deltaMode))
    }
    const noMenu = (e: Event) => e.preventDefault()
    // The middle button's autoscroll would fight the pan.
    const noAutoscroll = (e: MouseEvent) => e.button === 1 && e.preventDefault()
    el.addEventListener('pointerdown', onDown)
    el.addEventListener('pointermove', onMove)
    el.addEventListener('pointerup', onUp)
    el.addEventListener('pointercancel', onUp)
    el.addEventListener('dblclick', onDouble)
    el.addEventListener('wheel', onWheel, { passive: false })
    el.addEventListener('contextmenu', noMenu)
    el.addEventListener('mousedown', noAutoscroll)
    return () => {
      el.removeEventListener('pointerdown', onDown)
      el.removeEventListener('pointermove', onMove)
      el.removeEventListener('pointerup', onUp)
      el.removeEventListener('pointercancel', onUp)
      el.removeEventListener('dblclick', onDouble)
      el.removeEventListener('wheel', onWheel)
      el.removeEventListener('contextmenu', noMenu)
      el.removeEventListener('mousedown', noAutoscroll)
    }
  }, [core])

  const cursor = spaceHeld ? 'grab' : tool === 'select' ? 'default' : tool === 'polygon' ? 'crosshair' : 'none'
  return (
    <div ref={box} className="editor-canvas" data-testid="editor-canvas" style={{ cursor }}>
      {viewport.width > 0 && viewport.height > 0 && (
        <Stage ref={stage} width={viewport.width} height={viewport.height} scaleX={view.scale} scaleY={view.scale} x={view.x} y={view.y} listening={false}>
          <Layer listening={false} imageSmoothingEnabled={view.scale < 1}>
            {image && frame && <KonvaImage image={image.bitmap} x={0} y={0} width={frame.width} height={frame.height} listening={false} />}
          </Layer>
          <FillLayer core={core} layerRef={fillLayer} />
          <OutlineLayer core={core} />
          <OverlayLayer predictions={predictions} pieces={pieces ?? null} hoverKey={hoverKey ?? null} frame={frame} classes={classes} settings={overlay} />
          <ActiveLayer core={core} />
        </Stage>
      )}
    </div>
  )
}

export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button'].includes(target.type)
}
