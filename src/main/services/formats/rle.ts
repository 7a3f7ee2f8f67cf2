/**
 * COCO run-length encoding. Runs alternate background/foreground, starting
 * with background, over the pixels in column-major order (down each column,
 * then the next column), as pycocotools stores masks. The compressed string
 * form is pycocotools' (maskApi.c rleToString/rleFrString): each count in
 * 5-bit groups, low group first, 0x20 marking "more follows", sign-extended
 * from the last group's 0x10 bit, offset by 48 into printable ASCII; counts
 * from the fourth on are stored as the difference to the count two before.
 */

export interface Rle {
  /** [height, width], as COCO writes it. */
  size: [number, number]
  counts: number[] | string
}

/** Largest frame a mask may describe (sharp's own pixel limit). */
const MAX_PIXELS = 0x3fff * 0x3fff

/** Counts from pycocotools' compressed string. Throws on a character outside its alphabet or a truncated count. */
export function rleCountsFromString(s: string): number[] {
  const counts: number[] = []
  let p = 0
  while (p < s.length) {
    let x = 0
    let k = 0
    let more = true
    let c = 0
    while (more) {
      if (p >= s.length) throw new Error('compressed RLE string ends in the middle of a count')
      c = s.charCodeAt(p) - 48
      if (c < 0 || c > 63) throw new Error(`compressed RLE string has a character outside its alphabet ("${s[p]}")`)
      // Arithmetic, not bit operators: a count may need more than 32 bits in the sign extension.
      x += (c & 0x1f) * 32 ** k
      more = (c & 0x20) !== 0
      p++
      k++
      if (k > 7) throw new Error('compressed RLE count is too long')
    }
    if (c & 0x10) x -= 32 ** k
    if (counts.length > 2) x += counts[counts.length - 2]!
    counts.push(x)
  }
  return counts
}

/** pycocotools' compressed string of counts. */
export function rleCountsToString(counts: readonly number[]): string {
  let s = ''
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]! - (i > 2 ? counts[i - 2]! : 0)
    let more = true
    while (more) {
      let c = ((x % 32) + 32) % 32
      x = Math.floor(x / 32)
      more = c & 0x10 ? x !== -1 : x !== 0
      if (more) c |= 0x20
      s += String.fromCharCode(c + 48)
    }
  }
  return s
}

/**
 * Decodes an RLE into a row-major 0/1 mask of width*height. The counts must
 * be non-negative whole numbers covering exactly height*width pixels.
 */
export function decodeRle(rle: Rle): { width: number; height: number; mask: Uint8Array } {
  const [height, width] = rle.size
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new Error(`RLE size must be [height, width] in whole pixels, got ${JSON.stringify(rle.size)}`)
  }
  if (height * width > MAX_PIXELS) throw new Error(`RLE size ${width}x${height} is too large`)
  const counts = typeof rle.counts === 'string' ? rleCountsFromString(rle.counts) : rle.counts
  const total = height * width
  let sum = 0
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new Error(`RLE count ${String(c)} is not a non-negative whole number`)
    sum += c
  }
  if (sum !== total) throw new Error(`RLE counts cover ${sum} pixels, but size ${width}x${height} has ${total}`)
  const mask = new Uint8Array(total)
  let pos = 0
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k]!
    if (k % 2 === 1) {
      for (let p = pos; p < pos + n; p++) {
        const x = Math.floor(p / height)
        mask[(p - x * height) * width + x] = 1
      }
    }
    pos += n
  }
  return { width, height, mask }
}

/** Counts of a row-major mask (any non-zero value is foreground), column-major as COCO wants. */
export function encodeRle(mask: Uint8Array, width: number, height: number): number[] {
  if (mask.length !== width * height) throw new RangeError(`encodeRle: ${mask.length} values for ${width}x${height}`)
  const counts: number[] = []
  let current = 0
  let run = 0
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0
      if (v !== current) {
        counts.push(run)
        run = 0
        current = v
      }
      run++
    }
  }
  counts.push(run)
  return counts
}
