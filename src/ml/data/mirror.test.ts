/**
 * The mirror extension against numpy's np.pad(mode='reflect'): the arrays
 * below were printed once by numpy 1.24 (python3-numpy), margins wider than
 * the frame included (numpy reflects again).
 */
import { describe, expect, it } from 'vitest'
import { extractMirrored, mirrorPad, reflectIndex } from './mirror'

describe('mirror extension (numpy reflect)', () => {
  it('indexes a line reflected without repeating its edge, as often as needed', () => {
    // np.pad(np.arange(4), 7, 'reflect') and np.pad(np.arange(2), 5, 'reflect')
    expect(Array.from({ length: 18 }, (_, i) => reflectIndex(i - 7, 4))).toEqual([1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2])
    expect(Array.from({ length: 12 }, (_, i) => reflectIndex(i - 5, 2))).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    // A one-pixel line has nothing to reflect (numpy repeats the pixel).
    expect([-3, 0, 2].map((i) => reflectIndex(i, 1))).toEqual([0, 0, 0])
  })

  // a = (np.arange(3*4*2).reshape(3, 4, 2) * 7) % 256; np.pad(a, ((5, 5), (5, 5), (0, 0)), 'reflect')
  const frame = Uint8Array.from({ length: 24 }, (_, i) => (i * 7) % 256)
  const NUMPY = [70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,14,21,28,35,42,49,28,35,14,21,0,7,14,21,28,35,42,49,28,35,14,21,0,7,14,21,28,35,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,126,133,140,147,154,161,140,147,126,133,112,119,126,133,140,147,154,161,140,147,126,133,112,119,126,133,140,147,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,14,21,28,35,42,49,28,35,14,21,0,7,14,21,28,35,42,49,28,35,14,21,0,7,14,21,28,35,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,126,133,140,147,154,161,140,147,126,133,112,119,126,133,140,147,154,161,140,147,126,133,112,119,126,133,140,147,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,14,21,28,35,42,49,28,35,14,21,0,7,14,21,28,35,42,49,28,35,14,21,0,7,14,21,28,35,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,126,133,140,147,154,161,140,147,126,133,112,119,126,133,140,147,154,161,140,147,126,133,112,119,126,133,140,147,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91,98,105,84,91,70,77,56,63,70,77,84,91]

  it('pads a 4x3 two-channel frame by 5 on every side as numpy does', () => {
    const got = mirrorPad(frame, 4, 3, 2, 5)
    expect([got.width, got.height]).toEqual([14, 13])
    expect(Array.from(got.rgb)).toEqual(NUMPY)
  })

  it('reads any square of the extended frame, scaled to [0, 1]', () => {
    for (const [x0, y0, side] of [[-5, -5, 13], [3, -2, 6], [-1, 1, 2], [0, 0, 3]] as const) {
      const got = extractMirrored(frame, 4, 3, 2, x0, y0, side)
      const want: number[] = []
      for (let v = 0; v < side; v++) for (let u = 0; u < side; u++) for (let c = 0; c < 2; c++) want.push(NUMPY[((y0 + 5 + v) * 14 + x0 + 5 + u) * 2 + c]! / 255)
      expect(Array.from(got)).toEqual(want.map((v) => Math.fround(v)))
    }
  })
})
