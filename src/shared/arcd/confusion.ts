/**
 * Confusion counts and the means over their defined classes (MPA, MIoU):
 * thesis eq. 3-17 and 3-18, with IoU's standard union (see metrics.ts).
 */
/** Square confusion counts: rows = truth, columns = prediction. */
export class ConfusionMatrix {
  readonly counts: Float64Array
  constructor(readonly size: number) {
    this.counts = new Float64Array(size * size)
  }
  add(truth: number, pred: number, n = 1): void {
    this.counts[truth * this.size + pred]! += n
  }
  merge(other: ConfusionMatrix): void {
    for (let k = 0; k < this.counts.length; k++) this.counts[k]! += other.counts[k]!
  }
  /** p_ii / sum_j p_ij; null when the class has no true pixels. */
  accuracy(i: number): number | null {
    let row = 0
    for (let j = 0; j < this.size; j++) row += this.counts[i * this.size + j]!
    return row === 0 ? null : this.counts[i * this.size + i]! / row
  }
  /** p_ii / (row + column - p_ii); null when the class is absent from both truth and prediction. */
  iou(i: number): number | null {
    let row = 0
    let col = 0
    for (let j = 0; j < this.size; j++) {
      row += this.counts[i * this.size + j]!
      col += this.counts[j * this.size + i]!
    }
    const pii = this.counts[i * this.size + i]!
    const union = row + col - pii
    return union === 0 ? null : pii / union
  }
  mpa(): number | null {
    return meanDefined(range(this.size).map((i) => this.accuracy(i)))
  }
  miou(): number | null {
    return meanDefined(range(this.size).map((i) => this.iou(i)))
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

export function meanDefined(values: (number | null)[]): number | null {
  let s = 0
  let n = 0
  for (const v of values) {
    if (v !== null) {
      s += v
      n++
    }
  }
  return n === 0 ? null : s / n
}
