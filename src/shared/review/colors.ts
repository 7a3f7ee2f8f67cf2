/**
 * Colours of the review: the heatmap scale (probability 0..1 on a
 * perceptual blue-green-yellow-red ramp through Turbo's key colours, the one
 * the ML engine's heatmap.png uses) and the TP / FP / FN overlay, shared by
 * the page's panes and legend and by the exported report.
 */

import { PROB_OF_BYTE } from './mapCode'

export type Rgb = readonly [number, number, number]

const STOPS: readonly (readonly [number, number, number, number])[] = [
  [0.0, 48, 18, 59],
  [0.15, 70, 107, 227],
  [0.3, 40, 188, 235],
  [0.45, 50, 241, 152],
  [0.6, 164, 252, 60],
  [0.75, 251, 185, 56],
  [0.9, 228, 70, 10],
  [1.0, 122, 4, 3]
]

export function heatColour(v: number): Rgb {
  const x = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0
  for (let s = 1; s < STOPS.length; s++) {
    const [t1, r1, g1, b1] = STOPS[s]!
    if (x <= t1) {
      const [t0, r0, g0, b0] = STOPS[s - 1]!
      const f = (x - t0) / (t1 - t0)
      return [Math.round(r0 + f * (r1 - r0)), Math.round(g0 + f * (g1 - g0)), Math.round(b0 + f * (b1 - b0))]
    }
  }
  const last = STOPS[STOPS.length - 1]!
  return [last[1], last[2], last[3]]
}

/** RGB of every stored byte (./mapCode.ts) at the probability it stands for, 768 entries. */
export function heatLut(): Uint8Array {
  const lut = new Uint8Array(256 * 3)
  for (let b = 0; b < 256; b++) lut.set(heatColour(PROB_OF_BYTE[b]!), b * 3)
  return lut
}

/** Overlay colours: chosen to stay apart for the common colour-vision deficiencies (no red/green pair). */
export const OUTCOME_COLOURS = {
  tp: [255, 193, 7] as Rgb, // amber: predicted and labelled
  fp: [233, 30, 99] as Rgb, // magenta: predicted, not labelled
  fn: [33, 150, 243] as Rgb // blue: labelled, not predicted
} as const

export function hex(c: Rgb): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`
}
