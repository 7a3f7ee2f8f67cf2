/**
 * Whether a chosen threshold survives the maps the app stores. Inference
 * writes each class's probabilities as bytes evenly spread in logit over
 * [-16, 16] (src/shared/review/mapCode.ts), and the Review page and the
 * editor make their masks from those bytes; evaluation and threshold choice
 * read the float maps. Inside that range the two cut within 0.063 logit of
 * each other; a threshold beyond it (odds past e^16, from outputs that are
 * over-confident even for float32) is cut at the range's end, and the run
 * says so rather than let the two pages disagree silently.
 */
import { levelLogit, LOGIT_STEP, thresholdByte } from '../../shared/review/mapCode'

/** How far (in logits) the stored maps' cut may sit from the threshold before the run warns: a factor e in the odds. */
const MAX_LOGIT_GAP = 1

const logit = (p: number): number => Math.log(p / (1 - p))

/** The lowest probability the review's masks mark at threshold t: stored bytes round, so half a byte below thresholdByte(t). */
function storedCut(t: number): number {
  const b = thresholdByte(t)
  if (b === 0) return 0
  if (b > 255) return 1
  return 1 / (1 + Math.exp(-(levelLogit(b) - LOGIT_STEP / 2)))
}

export function mapPrecisionWarnings(thresholds: Record<string, number>): string[] {
  return Object.entries(thresholds).flatMap(([name, t]) => {
    if (!(t > 0 && t < 1)) return []
    const cut = storedCut(t)
    if (!(cut > 0 && cut < 1) || Math.abs(logit(cut) - logit(t)) <= MAX_LOGIT_GAP) return []
    return [
      `the threshold of ${name} (${t.toPrecision(6)}) is beyond what the review's stored maps hold (odds up to e^16 either way): the Review page and the editor mark its pixels above about ` +
        `${cut.toPrecision(3)}, ${cut < t ? 'more' : 'fewer'} than the run evaluated${t > 0.5 ? '; the outputs are over-confident' : ''}`
    ]
  })
}
