/**
 * The review's threshold slider: one stop per level of the stored maps
 * (shared/review/mapCode.ts), from 0 (every pixel) to 1, so a stop is a
 * step of 1/8 logit and every stop changes what the review can count. A
 * slider in steps of 0.01 had no stop between 0.99 and 1, where the
 * thresholds of confident models sit (the demo's fold: 0.9971).
 */
import { PROB_OF_BYTE, thresholdByte } from '../../../shared/review/mapCode'

export const SLIDER_MAX = 255

/** The stop a threshold sits on: the level the review cuts it at. */
export function sliderStop(t: number): number {
  return Math.min(SLIDER_MAX, thresholdByte(t))
}

/** The threshold of a stop: the probability its level stands for (0 and 1 at the ends). */
export function stopThreshold(stop: number): number {
  return PROB_OF_BYTE[Math.min(SLIDER_MAX, Math.max(0, Math.round(stop)))]!
}
