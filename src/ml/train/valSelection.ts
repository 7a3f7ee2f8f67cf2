/**
 * Which validation frames stage 2 reads, sized to its share of the time
 * budget. The rounds (checkpoint choice) and the final pass (thresholds and
 * the validation report) read prefixes of two fixed random orders, so a
 * resumed run reads the same frames, and a plan is a handful of counts.
 *
 * On the line's 1440x2560 frames one frame's mirrored pass takes about 30 s
 * on this 2-core machine, so the full final pass (up to 24 labelled and 40
 * normal frames) took about 32 minutes, where a 20-minute budget gives
 * stage 2 about 14 (docs/experiments.md, twenty-eighth measurement).
 */
import type { ValidationPlan } from '../../shared/arcd/protocol'
import { streamRng } from './streams'
import type { TileFrame } from './tileData'

/** Validation frames scored per round: enough for a stable AP, few enough to keep rounds cheap. */
const MAX_VAL_LABELLED = 24
const MAX_VAL_NORMAL = 8
/**
 * Normal frames the final threshold pass reads (the rounds' and more): a
 * share of 8 frames moves in steps of 12%; at 40 the capped thresholds of
 * magnetic-tile's models did as well on the test split as with all 100
 * (docs/experiments.md, twenty-fifth measurement).
 */
const MAX_THRESHOLD_NORMAL = 40
/** Fewer validation normal frames than this say too little to cap a threshold by. */
export const MIN_NORMAL_FRAMES_TO_CAP = 10
/** Labelled frames the final pass reads even when they outgrow its share: best F1 on fewer moves by whole defects. */
export const MIN_FINAL_LABELLED = 8
/** A round reads at least these: its score is the mean AP over labelled pixels. */
const MIN_ROUND_LABELLED = 4
const MIN_ROUND_NORMAL = 2
/**
 * Most of stage 2's time the final pass may take (reconstructions
 * included). At 0.3 magnetic-tile's 15-minute bench keeps its whole pass
 * (about 140 of its 650 s) and training keeps at least half of the stage
 * with the rounds' 15%.
 */
const FINAL_PASS_SHARE = 0.3
/**
 * A mirrored pass runs the discriminative net four times a tile, against
 * the probe's plain pass (the net, the reconstruction's SSIM, the image
 * score): since the tiles are mirrored as arrays, 2.9 times on 15
 * magnetic-tile frames and 3.2 on a 1024x1820 frame (it was 4.1 and 4.3
 * with tf.reverse, when this said 3.5 and the U-Net's passes ran up to 26%
 * over their plans; docs/experiments.md, thirty-first measurement).
 */
const MIRRORED_COST = 3.2

/** The validation frames in the order they are taken: labelled ones, then the rounds' normal ones, then more normal ones for the final pass. */
export interface ValCandidates {
  labelled: TileFrame[]
  normals: TileFrame[]
  /** The first this many of `normals` may be read by the rounds. */
  roundNormals: number
}

export function valCandidates(frames: TileFrame[], seed: number): ValCandidates {
  // Streams 31 and 32 as before this module, so the unbounded plan reads the frames runs always read.
  const rng = streamRng(seed, 31)
  const val = frames.filter((f) => f.item.split === 'val')
  // A normal frame may carry region labels (the lathe): it is taken as a normal one, so no frame is read twice.
  const labelled = val.filter((f) => !f.item.normal && f.centres.some((cs) => cs.length > 0))
  const normal = val.filter((f) => f.item.normal)
  const first = coverClassesFirst(rng.sample(labelled, Math.min(MAX_VAL_LABELLED, labelled.length)))
  const roundNormals = rng.sample(normal, Math.min(MAX_VAL_NORMAL, normal.length))
  const taken = new Set(roundNormals)
  const rest = normal.filter((f) => !taken.has(f))
  const more = streamRng(seed, 32).sample(rest, Math.max(0, Math.min(MAX_THRESHOLD_NORMAL - roundNormals.length, rest.length)))
  return { labelled: first, normals: [...roundNormals, ...more], roundNormals: roundNormals.length }
}

/**
 * Labelled frames reordered so that every prefix labels as many classes as
 * it can: each pass over the frames (in their random order) takes the next
 * frame labelling a class that pass has not seen. A plan cut to its floor of
 * 8 labelled frames then still scores every class it can, where a random
 * prefix left classes to the optimistic training-frame fallback (22 of
 * magnetic-tile's 24 at 6 minutes had no Crack). The set is unchanged.
 */
export function coverClassesFirst(frames: TileFrame[]): TileFrame[] {
  const rest = [...frames]
  const out: TileFrame[] = []
  let seen = new Set<number>()
  while (rest.length > 0) {
    let i = rest.findIndex((f) => f.centres.some((cs, ci) => cs.length > 0 && !seen.has(ci)))
    if (i < 0 && seen.size > 0) {
      seen = new Set()
      continue
    }
    if (i < 0) i = 0
    const [f] = rest.splice(i, 1)
    f!.centres.forEach((cs, ci) => cs.length > 0 && seen.add(ci))
    out.push(f!)
  }
  return out
}

/** The frames timed to estimate validation's cost: a labelled and a normal one where there are both, as a pass reads both. */
export function probeFrames(cands: ValCandidates): TileFrame[] {
  const both = [cands.labelled[0], cands.normals[0]].filter((f): f is TileFrame => f !== undefined)
  return both.length === 2 ? both : [...cands.labelled, ...cands.normals].slice(0, 2)
}

/** Every candidate, with maps as inference makes them: a run without a time budget, or one recorded before plans had `validation`. */
export function fullValidation(cands: ValCandidates, flips: boolean): ValidationPlan {
  return {
    labelled: cands.labelled.length,
    normals: cands.normals.length,
    roundLabelled: cands.labelled.length,
    roundNormals: cands.roundNormals,
    finalFlips: flips,
    candidateLabelled: cands.labelled.length,
    candidateNormals: cands.normals.length
  }
}

export function validationSets(cands: ValCandidates, plan: ValidationPlan): { rounds: TileFrame[]; final: TileFrame[] } {
  return {
    rounds: [...cands.labelled.slice(0, plan.roundLabelled), ...cands.normals.slice(0, Math.min(plan.roundNormals, cands.roundNormals))],
    final: [...cands.labelled.slice(0, plan.labelled), ...cands.normals.slice(0, plan.normals)]
  }
}

/**
 * Seconds a frame costs, from timing a few: reconstructing it (ARCD; per
 * pixel), one plain discriminative pass (per tile pixel), and scoring its
 * maps (per pixel) as a round does and as the final pass does. Scoring is
 * timed rather than taken as a share of a pass: it runs on one CPU thread
 * whatever the nets run on, and on magnetic-tile's small frames it cost
 * 0.45-0.65 of a plain pass where a constant said 0.3.
 */
export interface ValCosts {
  reconPerPixel: number
  discPerTilePixel: number
  roundScorePerPixel: number
  finalScorePerPixel: number
}

export interface FrameSize {
  pixels: number
  tilePixels: number
}

/** One validation round's cost of a frame: a plain pass over cached reconstructions, and scoring. */
export function roundSeconds(costs: ValCosts, f: FrameSize): number {
  return costs.discPerTilePixel * f.tilePixels + costs.roundScorePerPixel * f.pixels
}

/** The final pass's cost of a frame: its reconstruction, a mirrored or plain pass, and scoring. */
export function finalSeconds(costs: ValCosts, f: FrameSize, flips: boolean): number {
  return (costs.reconPerPixel + costs.finalScorePerPixel) * f.pixels + costs.discPerTilePixel * f.tilePixels * (flips ? MIRRORED_COST : 1)
}

/**
 * How many of `labelled` and `normals` (costs, in their order) fit in
 * `allowance`: the floors first, whatever they cost, then one of each in
 * turn until the next does not fit. Prefixes, so a plan is two counts.
 */
export function fitPrefixes(labelled: number[], normals: number[], allowance: number, floors: { labelled: number; normals: number }): { labelled: number; normals: number; seconds: number } {
  let l = Math.min(floors.labelled, labelled.length)
  let n = Math.min(floors.normals, normals.length)
  let seconds = labelled.slice(0, l).reduce((s, x) => s + x, 0) + normals.slice(0, n).reduce((s, x) => s + x, 0)
  for (let turn = 0; l < labelled.length || n < normals.length; turn++) {
    const takeLabelled = n >= normals.length || (l < labelled.length && turn % 2 === 0)
    const cost = takeLabelled ? labelled[l]! : normals[n]!
    if (seconds + cost > allowance) break
    seconds += cost
    if (takeLabelled) l++
    else n++
  }
  return { labelled: l, normals: n, seconds }
}

/**
 * The validation plan for a stage 2 of `stageSeconds`: the final pass within
 * FINAL_PASS_SHARE of it, mirrored as inference when the floors fit so,
 * otherwise plain (one pass a tile instead of four); one round within `roundShare` of
 * it, from the final pass's frames. `flips`: inference mirrors.
 */
export function planValidation(o: { cands: { labelled: FrameSize[]; normals: FrameSize[]; roundNormals: number }; costs: ValCosts; stageSeconds: number; flips: boolean; roundShare: number }): ValidationPlan {
  const { cands, costs } = o
  const allowance = FINAL_PASS_SHARE * Math.max(0, o.stageSeconds)
  const floors = { labelled: MIN_FINAL_LABELLED, normals: MIN_NORMAL_FRAMES_TO_CAP }
  const fit = (flips: boolean) =>
    fitPrefixes(
      cands.labelled.map((f) => finalSeconds(costs, f, flips)),
      cands.normals.map((f) => finalSeconds(costs, f, flips)),
      allowance,
      floors
    )
  let finalFlips = o.flips
  let final = fit(finalFlips)
  if (finalFlips && final.seconds > allowance) {
    finalFlips = false
    final = fit(false)
  }
  const roundNormalPool = cands.normals.slice(0, Math.min(final.normals, cands.roundNormals))
  const round = fitPrefixes(
    cands.labelled.slice(0, final.labelled).map((f) => roundSeconds(costs, f)),
    roundNormalPool.map((f) => roundSeconds(costs, f)),
    o.roundShare * Math.max(0, o.stageSeconds),
    { labelled: MIN_ROUND_LABELLED, normals: MIN_ROUND_NORMAL }
  )
  return {
    labelled: final.labelled,
    normals: final.normals,
    roundLabelled: round.labelled,
    roundNormals: round.normals,
    finalFlips,
    candidateLabelled: cands.labelled.length,
    candidateNormals: cands.normals.length
  }
}

/** Training frames the thresholds may fall back to for a class validation lacks: as many as the final pass's labelled frames, at least its floor. */
export function fallbackFrameCount(plan: ValidationPlan): number {
  return Math.max(plan.labelled, MIN_FINAL_LABELLED)
}

/** What the run says when its validation was cut to fit the budget; null when it read every candidate as inference would. */
export function validationNote(plan: ValidationPlan, flips: boolean): string | null {
  const cut = plan.labelled < plan.candidateLabelled || plan.normals < plan.candidateNormals
  const plain = flips && !plan.finalFlips
  if (!cut && !plain) return null
  const parts = [`the thresholds were chosen on ${plan.labelled} of ${plan.candidateLabelled} labelled and ${plan.normals} of ${plan.candidateNormals} normal validation frames`]
  if (plain) parts.push("on maps without mirrored tiles (one pass a tile instead of four; inference's mirrored maps are smoother, so check the thresholds on the Review page)")
  return `${parts.join(' ')}, to keep that pass within ${Math.round(FINAL_PASS_SHARE * 100)}% of stage 2's time. A longer time budget reads more`
}
