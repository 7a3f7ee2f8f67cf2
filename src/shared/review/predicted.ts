/**
 * The review's masks and counts under the one post-processor
 * (src/shared/arcd/postprocess.ts), from the stored maps' bytes (./mapCode.ts).
 *
 * Masks: extractMaskFromPlanes on the bytes against thresholdByte of each
 * threshold (bytes order as their probabilities do, so the rule's decisions
 * are those on the probabilities the bytes stand for), over the classes that
 * have a map; a class the model has no output for gets no mask and does not
 * compete.
 *
 * Counts at any threshold: the per-class histograms (./histogram.ts) count
 * "own probability >= threshold", which is the rule for a region class and
 * for a defect pixel where no other defect class fires. Where two defect
 * classes are at or above JOINT_FLOOR at one pixel the rule gives the pixel to
 * one of them only (the highest at or above its threshold), which a
 * per-class histogram cannot tell; the joint table keeps those pixels, as
 * their defect bytes and label bits counted by distinct combination (few:
 * maps are smooth), so the histogram counts are corrected exactly at any
 * threshold of at least JOINT_FLOOR's probability (0.002, below which the
 * linear maps of earlier versions held nothing either) and at 0. Between
 * the two, a class under the floor counts as not firing in the confusion
 * matrix and the corrections.
 *
 * MPA/MIoU at the same thresholds: the table also counts the other pixels
 * by the defect class at or above the floor there (if any), its byte and the
 * pixel's truth (the highest-index defect label, as the evaluation takes
 * it), so the confusion matrix of background plus the defect classes follows
 * exactly, at the maps' full resolution, without reading a map.
 */
import type { ConfusionMatrix } from '../arcd/confusion'
import { defectAt, extractMaskFromPlanes, type PostClass } from '../arcd/postprocess'
import { BINS, countsAt, type PixelCounts } from './histogram'
import { thresholdByte } from './mapCode'

/** Bytes below this (probability under 1/510) do not compete in the joint table. */
export const JOINT_FLOOR = thresholdByte(0.5 / 255)

export interface MapClass extends PostClass {
  id: number
}

/**
 * One 0/1 mask per class (null where the class has no map), under the
 * threshold rule, from planar byte maps of equal size.
 */
export function predictedMasks(planes: readonly (ArrayLike<number> | null)[], classes: readonly PostClass[], thresholds: Record<string, number>): (Uint8Array | null)[] {
  if (planes.length !== classes.length) throw new RangeError(`${classes.length} classes but ${planes.length} maps`)
  const have = classes.flatMap((_, i) => (planes[i] ? [i] : []))
  const sub = have.map((i) => classes[i]!)
  const subPlanes = have.map((i) => planes[i]!)
  const n = subPlanes[0]?.length ?? 0
  for (const p of subPlanes) if (p.length !== n) throw new RangeError('the class maps differ in size')
  const out: (Uint8Array | null)[] = classes.map(() => null)
  // A missing or non-finite threshold is left out, for the post-processor to name.
  const bytes: Record<string, number> = {}
  for (const c of sub) {
    const t = thresholds[c.name]
    if (t !== undefined && Number.isFinite(t)) bytes[c.name] = thresholdByte(t)
  }
  have.forEach((i, k) => (out[i] = extractMaskFromPlanes(subPlanes, k, sub, bytes)))
  return out
}

export interface JointTable {
  /** Defect class ids with a map, in the post-processor's class order. */
  classIds: number[]
  /** Per entry: one byte per class, then a byte of label bits (bit j: under a label of class j). */
  bytes: Uint8Array
  counts: Uint32Array
  /**
   * Pixels where exactly one defect map is at or above JOINT_FLOOR: index
   * ((j * (k + 1)) + truth) * 256 + byte, j that class, truth 0 for
   * background or 1 + the highest-index class labelled there.
   */
  single: Uint32Array
  /** Pixels where every defect map is below JOINT_FLOOR, by truth. */
  zero: Uint32Array
}

/** The joint table of one frame (`size`: its pixel count, for a frame without defect maps). */
export function buildJoint(classIds: readonly number[], probs: readonly ArrayLike<number>[], truths: readonly ArrayLike<number>[], size = probs[0]?.length ?? 0): JointTable {
  const k = classIds.length
  if (k > 8) throw new RangeError('the joint table holds at most 8 defect classes')
  const n = k > 0 ? probs[0]!.length : size
  const single = new Uint32Array(k * (k + 1) * BINS)
  const zero = new Uint32Array(k + 1)
  const seen = new Map<number | string, number>()
  const order: (number | string)[] = []
  const numeric = k <= 5 // 8 bits a class plus k label bits stay below 2^53
  const key = new Uint8Array(k + 1)
  for (let i = 0; i < n; i++) {
    let nonzero = 0
    let only = -1
    let truth = 0
    for (let j = 0; j < k; j++) {
      if (probs[j]![i]! >= JOINT_FLOOR) {
        nonzero++
        only = j
      }
      if (truths[j]![i]) truth = j + 1
    }
    if (nonzero === 0) {
      zero[truth]!++
      continue
    }
    if (nonzero === 1) {
      single[(only * (k + 1) + truth) * BINS + probs[only]![i]!]!++
      continue
    }
    let bits = 0
    for (let j = 0; j < k; j++) {
      key[j] = probs[j]![i]!
      if (truths[j]![i]) bits |= 1 << j
    }
    key[k] = bits
    let id: number | string
    if (numeric) {
      id = 0
      for (let j = k; j >= 0; j--) id = id * 256 + key[j]!
    } else id = key.join(',')
    const c = seen.get(id)
    if (c === undefined) order.push(id)
    seen.set(id, (c ?? 0) + 1)
  }
  const bytes = new Uint8Array(order.length * (k + 1))
  const counts = new Uint32Array(order.length)
  order.forEach((id, e) => {
    counts[e] = seen.get(id)!
    if (typeof id === 'number') {
      let v = id
      for (let j = 0; j <= k; j++) {
        bytes[e * (k + 1) + j] = v % 256
        v = Math.floor(v / 256)
      }
    } else bytes.set(id.split(',').map(Number), e * (k + 1))
  })
  return { classIds: [...classIds], bytes, counts, single, zero }
}

function jointThresholds(joint: JointTable, classes: readonly MapClass[], thresholds: Record<string, number>): number[] {
  return joint.classIds.map((id) => {
    const name = classes.find((c) => c.id === id)?.name
    const v = name !== undefined ? thresholds[name] : undefined
    if (v === undefined) throw new Error(`no threshold for class id ${id}`)
    return v
  })
}

/**
 * Adds the frame's pixels to a confusion matrix of background (0) plus the
 * table's defect classes (1..k) under the threshold rule: truth the
 * highest-index defect label, prediction the highest defect class at or
 * above its threshold (ties to the lower index), as the evaluation counts.
 */
export function addConfusion(cm: ConfusionMatrix, joint: JointTable, classes: readonly MapClass[], thresholds: Record<string, number>): void {
  const k = joint.classIds.length
  if (cm.size !== k + 1) throw new RangeError(`a confusion matrix of ${k + 1} classes is needed, got ${cm.size}`)
  const thr = jointThresholds(joint, classes, thresholds)
  const tb = thr.map(thresholdByte)
  // A class below the floor is taken to fire only at threshold 0 (everything), and then the first such class takes the pixel.
  const firstZero = (except: number): number => tb.findIndex((b, j) => b === 0 && j !== except)
  const zeroPred = firstZero(-1) + 1
  for (let truth = 0; truth <= k; truth++) if (joint.zero[truth]) cm.add(truth, zeroPred, joint.zero[truth]!)
  for (let j = 0; j < k; j++) {
    const below = firstZero(j) + 1
    for (let truth = 0; truth <= k; truth++) {
      const base = (j * (k + 1) + truth) * BINS
      for (let b = JOINT_FLOOR; b < BINS; b++) {
        const n = joint.single[base + b]!
        if (n) cm.add(truth, b >= tb[j]! ? j + 1 : below, n)
      }
    }
  }
  const channels = joint.classIds.map((_, j) => j)
  const probs = new Float64Array(k)
  for (let e = 0; e < joint.counts.length; e++) {
    const o = e * (k + 1)
    for (let j = 0; j < k; j++) probs[j] = joint.bytes[o + j]!
    const bits = joint.bytes[o + k]!
    const truth = bits === 0 ? 0 : 32 - Math.clz32(bits)
    cm.add(truth, defectAt(probs, 0, channels, tb) + 1, joint.counts[e]!)
  }
}

/**
 * Pixel counts of one class at the thresholds under the threshold rule: its
 * histogram's counts, corrected on the joint table's pixels for a defect class.
 */
export function ruleCounts(
  hist: ArrayLike<number>,
  cls: MapClass,
  joint: JointTable | null,
  classes: readonly MapClass[],
  thresholds: Record<string, number>
): PixelCounts {
  const t = thresholds[cls.name]
  if (t === undefined) throw new Error(`no threshold for class "${cls.name}"`)
  const out = countsAt(hist, t)
  if (cls.kind !== 'defect' || !joint || joint.counts.length === 0) return out
  const own = joint.classIds.indexOf(cls.id)
  if (own < 0) return out
  const k = joint.classIds.length
  const tb = jointThresholds(joint, classes, thresholds).map(thresholdByte)
  const channels = joint.classIds.map((_, j) => j)
  const probs = new Float64Array(k)
  for (let e = 0; e < joint.counts.length; e++) {
    const o = e * (k + 1)
    if (joint.bytes[o + own]! < tb[own]!) continue // not predicted by the histogram either
    for (let j = 0; j < k; j++) probs[j] = joint.bytes[o + j]!
    if (defectAt(probs, 0, channels, tb) === own) continue
    // Counted as predicted by the histogram, but another defect class takes the pixel.
    const n = joint.counts[e]!
    if ((joint.bytes[o + k]! >> own) & 1) {
      out.tp -= n
      out.fn += n
    } else {
      out.fp -= n
      out.tn += n
    }
  }
  return out
}
