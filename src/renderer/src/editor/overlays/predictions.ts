/**
 * A model's output for one frame, as the overlay draws it. Accepting it as
 * labels goes through the accept service (./predictedPieces.ts), never
 * through a tracing here.
 */
import { traceBinary } from '../../../../shared/geometry/trace'
import type { FrameSize } from '../model/types'

export interface HeatmapData {
  classId: number
  width: number
  height: number
  /** Anomaly score per pixel, 0..255, row-major. */
  data: Uint8Array
}

export interface MaskData {
  classId: number
  width: number
  height: number
  /** 0/1 per pixel, row-major. */
  data: Uint8Array
}

export interface FramePredictions {
  heatmaps: HeatmapData[]
  masks: MaskData[]
}

/** As the accept service traces (src/main/services/predictions/accept.ts), for outlines drawn before its pieces arrive. */
export const ACCEPT_TRACE = { tolerance: 1, minIoU: 0.9, minArea: 4 } as const

function checkSize(m: { width: number; height: number; data: Uint8Array }, what: string): void {
  if (m.data.length !== m.width * m.height) {
    throw new RangeError(`${what}: ${m.data.length} values for ${m.width}x${m.height}`)
  }
}

/**
 * Rings of a predicted mask in frame pixels. A mask at another resolution
 * than the frame (the model's input size) is traced at its own size and
 * scaled, which keeps the ring simple.
 */
export function maskRings(mask: MaskData, frame: FrameSize): number[][] {
  checkSize(mask, 'mask')
  const sx = frame.width / mask.width
  const sy = frame.height / mask.height
  return traceBinary(mask.data, mask.width, mask.height, ACCEPT_TRACE).map((ring) => {
    if (sx === 1 && sy === 1) return ring.slice()
    return ring.map((v, k) => (k % 2 === 0 ? v * sx : v * sy))
  })
}

/** RGBA pixels of a heatmap in a class colour: alpha follows the score. */
export function heatmapRgba(h: HeatmapData, rgb: readonly [number, number, number]): Uint8ClampedArray<ArrayBuffer> {
  checkSize(h, 'heatmap')
  const out = new Uint8ClampedArray(h.width * h.height * 4)
  const [r, g, b] = rgb
  for (let k = 0; k < h.data.length; k++) {
    const o = 4 * k
    out[o] = r
    out[o + 1] = g
    out[o + 2] = b
    out[o + 3] = h.data[k]!
  }
  return out
}
