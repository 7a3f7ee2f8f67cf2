/**
 * Frame-level results per defect class, as an inspector meets them: of the
 * frames where a class is labelled, how many show a mask of that class on
 * at least one of its labelled pixels, and of the normal frames (no defect
 * labelled), how many show a mask of the class anywhere. Masks follow the
 * one threshold rule (postprocess.ts: defectAt), as the editor and the
 * review draw them. A mean over pixels hides the class that marks something
 * on most normal frames and fills the review queue (docs/experiments.md,
 * twenty-fourth measurement: a texture class on magnetic-tile). Each
 * normal frame's highest probability per class is kept too: the level a
 * threshold must pass for the class to stay off that frame.
 */

/** Per-image flags, indexed by defect (position among the defect classes). */
export interface FrameFlags {
  labelled: Uint8Array
  found: Uint8Array
  marked: Uint8Array
  /** Highest probability of each defect class over the scored pixels (-Infinity when none). */
  peak: Float64Array
}

export function newFrameFlags(defects: number): FrameFlags {
  return { labelled: new Uint8Array(defects), found: new Uint8Array(defects), marked: new Uint8Array(defects), peak: new Float64Array(defects).fill(-Infinity) }
}

export class FrameHits {
  readonly labelled: number[]
  readonly found: number[]
  readonly normalsMarked: number[]
  /** Per defect class, the peak of each normal frame. */
  readonly normalPeaks: number[][]
  normals = 0

  constructor(defects: number) {
    this.labelled = new Array<number>(defects).fill(0)
    this.found = new Array<number>(defects).fill(0)
    this.normalsMarked = new Array<number>(defects).fill(0)
    this.normalPeaks = Array.from({ length: defects }, () => [])
  }

  /** One image's flags; `anomalous` is the image-level truth (any defect labelled). */
  add(flags: FrameFlags, anomalous: boolean): void {
    if (!anomalous) this.normals++
    for (let d = 0; d < this.labelled.length; d++) {
      this.labelled[d]! += flags.labelled[d]!
      this.found[d]! += flags.found[d]!
      if (anomalous) continue
      this.normalsMarked[d]! += flags.marked[d]!
      this.normalPeaks[d]!.push(flags.peak[d]!)
    }
  }

  merge(o: FrameHits): void {
    this.normals += o.normals
    for (let d = 0; d < this.labelled.length; d++) {
      this.labelled[d]! += o.labelled[d]!
      this.found[d]! += o.found[d]!
      this.normalsMarked[d]! += o.normalsMarked[d]!
      for (const v of o.normalPeaks[d]!) this.normalPeaks[d]!.push(v)
    }
  }
}
