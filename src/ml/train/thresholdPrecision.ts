/**
 * Whether a chosen threshold survives the maps the app stores. Inference
 * writes each class's probabilities as 8-bit PNGs (probability x 255), and the
 * Review page and the editor make their masks from those bytes; evaluation and
 * threshold choice read the float maps. Near 0 or 1 a byte spans a wide range
 * of confidence: at a threshold of 0.99998 the review marks every pixel above
 * about 0.998, which on the demo was most frames (docs/experiments.md,
 * fourteenth measurement). Such thresholds come from over-confident outputs;
 * the run says so rather than let the two pages disagree silently.
 */
import { BYTE_SCALE, thresholdByte } from '../../shared/review/histogram'

/** How far (in logits) the stored maps' cut may sit from the threshold before the run warns: a factor e in the odds. */
const MAX_LOGIT_GAP = 1

const logit = (p: number): number => Math.log(p / (1 - p))

/** The lowest probability the review's masks mark at threshold t: stored bytes round, so half a byte below thresholdByte(t). */
function storedCut(t: number): number {
  const b = thresholdByte(t)
  return Math.max(0, (b - 0.5) * BYTE_SCALE)
}

export function mapPrecisionWarnings(thresholds: Record<string, number>): string[] {
  return Object.entries(thresholds).flatMap(([name, t]) => {
    if (!(t > 0 && t < 1)) return []
    const cut = storedCut(t)
    if (!(cut > 0 && cut < 1) || Math.abs(logit(cut) - logit(t)) <= MAX_LOGIT_GAP) return []
    return [
      `the threshold of ${name} (${t.toPrecision(6)}) is finer than the review's 8-bit maps hold: the Review page and the editor mark its pixels above about ` +
        `${cut.toPrecision(3)}, ${cut < t ? 'more' : 'fewer'} than the run evaluated${t > 0.5 ? '; the outputs are over-confident' : ''}`
    ]
  })
}
