import { describe, expect, it } from 'vitest'
import { decodeRle, encodeRle, rleCountsFromString, rleCountsToString } from './rle'

describe('COCO RLE', () => {
  // Worked by hand from pycocotools' maskApi.c (rleToString): 5-bit groups,
  // 0x20 = more follows, sign from the last group's 0x10, +48; from the
  // fourth count on, the difference to the count two before is stored.
  it.each([
    [[0, 4, 2, 6], '0422'], // 6 is stored as 6 - 4 = 2
    [[0, 10, 2, 3], '0:2I'], // 3 - 10 = -7: one group 25 with the sign bit set, 'I'
    [[100], 'T3'], // 100 = 4 + 3*32: 'T' (4 | 0x20) then '3'
    [[16], '`0'], // 16 has the sign bit set, so a zero group must follow
    [[5, 1, 1], '511']
  ])('%j <-> %j', (counts, text) => {
    expect(rleCountsToString(counts)).toBe(text)
    expect(rleCountsFromString(text)).toEqual(counts)
  })

  it('round-trips long runs and large frames through the string form', () => {
    const counts = [0, 1, 123456, 7, 900000, 31, 32, 33, 5_000_000, 1]
    expect(rleCountsFromString(rleCountsToString(counts))).toEqual(counts)
  })

  it('runs down columns (column-major), as pycocotools stores masks', () => {
    // 3 high x 2 wide; the foreground is the whole first column and the top of the second.
    const { mask, width, height } = decodeRle({ size: [3, 2], counts: [0, 4, 2] })
    expect([width, height]).toEqual([2, 3])
    expect([...mask]).toEqual([1, 1, 1, 0, 1, 0])
    expect(encodeRle(mask, 2, 3)).toEqual([0, 4, 2])
  })

  it('encodes and decodes any mask exactly', () => {
    const w = 23
    const h = 17
    const mask = new Uint8Array(w * h)
    for (let i = 0; i < mask.length; i++) mask[i] = (i * 7919) % 13 < 5 ? 1 : 0
    const counts = encodeRle(mask, w, h)
    expect(decodeRle({ size: [h, w], counts }).mask).toEqual(mask)
    expect(decodeRle({ size: [h, w], counts: rleCountsToString(counts) }).mask).toEqual(mask)
  })

  it('refuses counts that do not cover the frame, negative counts and foreign characters', () => {
    expect(() => decodeRle({ size: [3, 2], counts: [0, 4] })).toThrow(/cover 4 pixels, but size 2x3 has 6/)
    expect(() => decodeRle({ size: [3, 2], counts: [0, -1, 7] })).toThrow(/not a non-negative whole number/)
    expect(() => decodeRle({ size: [3, 2], counts: [0, 2.5, 3.5] })).toThrow(/not a non-negative whole number/)
    expect(() => decodeRle({ size: [0, 2], counts: [] })).toThrow(/whole pixels/)
    expect(() => rleCountsFromString('0 4')).toThrow(/outside its alphabet/)
    expect(() => rleCountsFromString('T')).toThrow(/ends in the middle of a count/)
  })
})
