/**
 * Hooks on window for e2e tests and the benchmark: read the editor's state,
 * map image to client coordinates, read back the fill layer's pixels, and
 * load synthetic polygons without saving. They only read or add in-memory
 * state; nothing here bypasses the contract.
 */
import type Konva from 'konva'
import { snapToPixelCentre } from '../../../../shared/geometry/polygon'
import type { EditorCore } from '../model/editorCore'
import type { EditorSession } from '../model/session'
import { newPolygonKey, type EditorPolygon } from '../model/types'
import { imageToScreen } from '../geometry/viewport'
import type { EditorController } from './controller'
import type { CanvasHandle } from './EditorCanvas'

export interface EditorTestHooks {
  snapshot(): unknown
  nav(): { index: number; shownId: number | null; loading: boolean }
  imageToClient(x: number, y: number): [number, number]
  /** 0/1 per image pixel of the frame where the fill layer has paint. Needs a whole-pixel 1:1 view. */
  readFillMask(): { width: number; height: number; data: number[] }
  flush(): Promise<void>
  saveTimes(): number[]
}

export interface EditorBenchHooks {
  /** Replaces the open frame's polygons in memory (not saved): `count` star-shaped polygons of `vertices` vertices. */
  loadSynthetic(count: number, vertices: number): number
  stage(): Konva.Stage | null
  imageToClient(x: number, y: number): [number, number]
  core: EditorCore
}

declare global {
  interface Window {
    __editorTest?: EditorTestHooks
    __editorBench?: EditorBenchHooks
  }
}

export function installHooks(core: EditorCore, controller: EditorController, session: EditorSession, canvas: () => CanvasHandle | null): () => void {
  const imageToClient = (x: number, y: number): [number, number] => {
    const el = canvas()?.container
    const r = el?.getBoundingClientRect()
    const [sx, sy] = imageToScreen(core.getSnapshot().view, x, y)
    return [(r?.left ?? 0) + sx, (r?.top ?? 0) + sy]
  }
  window.__editorTest = {
    snapshot: () => {
      const s = core.getSnapshot()
      return { ...s, classPrefs: [...s.classPrefs], serverIds: [...(core.frameState?.serverIds ?? [])] }
    },
    nav: () => {
      const n = controller.getSnapshot()
      return { index: n.index, shownId: n.shownId, loading: n.loading }
    },
    imageToClient,
    readFillMask: () => {
      const s = core.getSnapshot()
      const layer = canvas()?.fillLayer
      if (!s.frame || !layer) throw new Error('no frame or fill layer')
      const { scale, x, y } = s.view
      if (scale !== 1 || !Number.isInteger(x) || !Number.isInteger(y)) throw new Error(`readFillMask needs a whole-pixel 1:1 view, got ${JSON.stringify(s.view)}`)
      layer.draw()
      const native = layer.getNativeCanvasElement()
      const ratio = native.width / layer.getStage().width()
      const ctx = native.getContext('2d')!
      const { width, height } = s.frame
      const img = ctx.getImageData(x * ratio, y * ratio, width * ratio, height * ratio)
      const data = new Array<number>(width * height).fill(0)
      for (let j = 0; j < height; j++) {
        for (let i = 0; i < width; i++) {
          const o = (Math.floor((j + 0.5) * ratio) * img.width + Math.floor((i + 0.5) * ratio)) * 4
          data[j * width + i] = img.data[o + 3]! > 0 ? 1 : 0
        }
      }
      return { width, height, data }
    },
    flush: () => session.flushAll(),
    saveTimes: () => session.saveTimes.slice()
  }
  window.__editorBench = {
    loadSynthetic: (count, vertices) => {
      const fs = core.frameState
      const s = core.getSnapshot()
      if (!fs || !s.frame) throw new Error('no frame open')
      fs.polygons = syntheticPolygons(count, vertices, s.frame, s.classes[0]?.id ?? 1)
      core.refresh(fs)
      return fs.polygons.length
    },
    stage: () => canvas()?.stage ?? null,
    imageToClient,
    core
  }
  return () => {
    delete window.__editorTest
    delete window.__editorBench
  }
}

/** Star-shaped (hence simple) polygons on a grid of cells, vertices on pixel centres. */
export function syntheticPolygons(count: number, vertices: number, frame: { width: number; height: number }, classId: number): EditorPolygon[] {
  const cols = Math.ceil(Math.sqrt((count * frame.width) / frame.height))
  const rows = Math.ceil(count / cols)
  const cw = frame.width / cols
  const ch = frame.height / rows
  const out: EditorPolygon[] = []
  for (let n = 0; n < count; n++) {
    const cx = (n % cols) * cw + cw / 2
    const cy = Math.floor(n / cols) * ch + ch / 2
    const r = Math.min(cw, ch) * 0.4
    const points: number[] = []
    for (let k = 0; k < vertices; k++) {
      const a = (2 * Math.PI * k) / vertices
      const rr = r * (0.75 + 0.25 * Math.sin(5 * a + n))
      const [x, y] = snapToPixelCentre(cx + rr * Math.cos(a), cy + rr * Math.sin(a), frame)
      if (points.length >= 2 && points[points.length - 2] === x && points[points.length - 1] === y) continue
      points.push(x, y)
    }
    out.push({ key: newPolygonKey(), classId, points, source: 'manual' })
  }
  return out
}
