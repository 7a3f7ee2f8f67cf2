/**
 * Stage 2's crop reconstructions against the frame's: a net whose output at
 * a pixel depends on its 5x5 neighbourhood (two 3x3 convolutions, zero
 * padded), run by tf on the whole frame extended by tf.mirrorPad
 * ('reflect'), is the oracle, since inference reconstructs the frame
 * mirror-extended. Cut from a context window, the crop's reconstruction
 * equals the oracle at every pixel of the frame, through every flip and
 * turn, at the frame's corners and in frames smaller than the window;
 * reconstructed on its own, or with black past the frame, it does not.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { extractCrop, type Dihedral } from '../data/crops'
import { CONTEXT_MARGIN, contextSide, contextWindow, cropReconstructions, dropReconstructions, type CropSource } from './cropRecon'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let s = seed
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    out[i] = s >>> 24
  }
  return out
}

function weights(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(noise(shape.reduce((a, b) => a * b), seed), (v) => (v - 128) / 512), shape)
}

/** Two zero-padded 3x3 convolutions with biases: a 5x5 receptive field, like a small reconstruction net's edge effects. */
function twoConvNet(): { net: tf.LayersModel; oracle: (x: tf.Tensor4D) => tf.Tensor4D } {
  const k1 = weights([3, 3, 3, 4], 1)
  const b1 = tf.tensor1d([0.1, -0.2, 0.3, 0.05])
  const k2 = weights([3, 3, 4, 3], 2)
  const b2 = tf.tensor1d([0.2, 0.1, -0.1])
  const input = tf.input({ shape: [null, null, 3] as unknown as number[] })
  const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', weights: [k1, b1] }).apply(input) as tf.SymbolicTensor
  const c2 = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', weights: [k2, b2] }).apply(c1) as tf.SymbolicTensor
  const net = tf.model({ inputs: input, outputs: c2 })
  const oracle = (x: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => tf.add(tf.conv2d(tf.relu(tf.add(tf.conv2d(x, k1, 1, 'same'), b1)) as tf.Tensor4D, k2, 1, 'same'), b2))
  return { net, oracle }
}

const TURNS: Dihedral[] = [
  { transpose: false, flipX: false, flipY: false },
  { transpose: true, flipX: true, flipY: false },
  { transpose: false, flipX: true, flipY: true },
  { transpose: true, flipX: false, flipY: true }
]

describe('context windows', () => {
  it('are the crop plus the margin, in the net\'s pooling multiple; MFLM nets keep their crop size', () => {
    expect(contextSide({ size: 64, reconDepth: 4, mflm: false })).toBe(80)
    expect(contextSide({ size: 256, reconDepth: 4, mflm: false })).toBe(272)
    expect(contextSide({ size: 64, reconDepth: 3, mflm: false })).toBe(80)
    expect(contextSide({ size: 60, reconDepth: 2, mflm: false })).toBe(76)
    expect(contextSide({ size: 256, reconDepth: 4, mflm: true })).toBe(256)
  })

  it('are centred on the crop wherever it lies, so it has the margin on every side', () => {
    const size = 16
    const side = 32
    for (const [x0, y0] of [[0, 0], [40, 20], [-3, 84], [7, -8]] as const) {
      expect(contextWindow({ x0, y0, size }, side)).toEqual({ x0: x0 - 8, y0: y0 - 8 })
    }
    // An odd surplus puts the extra pixel after the crop.
    expect(contextWindow({ x0: 10, y0: 10, size: 15 }, 32)).toEqual({ x0: 2, y0: 2 })
  })
})

describe('crop reconstructions', () => {
  const size = 16
  const side = size + 2 * CONTEXT_MARGIN

  /** Largest differences from the oracle over crop pixels inside the frame, and the largest value past it. */
  async function compare(W: number, H: number, windows: { x0: number; y0: number; t: Dihedral }[]): Promise<{ context: number; alone: number; black: number; outside: number }> {
    const { net, oracle } = twoConvNet()
    const rgb = noise(W * H * 3, W * 7 + H)
    // The net reaches 2 px: the frame extended by 2 mirrored px is all it reads.
    const whole = tf.tidy(() => {
      const x = tf.mirrorPad(tf.tensor4d(Float32Array.from(rgb, (v) => v / 255), [1, H, W, 3]), [[0, 0], [2, 2], [2, 2], [0, 0]], 'reflect')
      return tf.slice(oracle(x), [0, 2, 2, 0], [1, H, W, 3])
    })
    const wholeData = (await whole.data()) as Float32Array
    whole.dispose()
    const black = oracle(tf.tensor4d(Float32Array.from(rgb, (v) => v / 255), [1, H, W, 3]))
    const blackData = (await black.data()) as Float32Array
    black.dispose()
    const all = new Float32Array(W * H * 3).fill(1)
    const sources: CropSource[] = windows.map((w) => ({ rgb, width: W, height: H, win: { ...w, size } }))
    const got = cropReconstructions(net, sources, size, side)
    const gotData = (await got.data()) as Float32Array
    got.dispose()
    const alone = tf.tidy(() => {
      const crops = sources.map((s) => extractCrop(rgb, W, H, 3, s.win))
      const buf = new Float32Array(crops.length * size * size * 3)
      crops.forEach((c, i) => buf.set(c, i * c.length))
      return net.predict(tf.tensor4d(buf, [crops.length, size, size, 3])) as tf.Tensor4D
    })
    const aloneData = (await alone.data()) as Float32Array
    alone.dispose()
    net.dispose()
    let context = 0
    let aloneErr = 0
    let blackErr = 0
    let outside = 0
    windows.forEach((w, i) => {
      const want = extractCrop(wholeData, W, H, 3, { ...w, size }, false)
      const blackWant = extractCrop(blackData, W, H, 3, { ...w, size }, false)
      const inFrame = extractCrop(all, W, H, 3, { ...w, size }, false)
      for (let j = 0; j < want.length; j++) {
        const v = gotData[i * want.length + j]!
        if (!inFrame[j]) {
          outside = Math.max(outside, Math.abs(v))
          continue
        }
        context = Math.max(context, Math.abs(v - want[j]!))
        aloneErr = Math.max(aloneErr, Math.abs(aloneData[i * want.length + j]! - want[j]!))
        blackErr = Math.max(blackErr, Math.abs(blackWant[j]! - want[j]!))
      }
    })
    return { context, alone: aloneErr, black: blackErr, outside }
  }

  it('equal the whole frame\'s at every pixel, through every turn, in the middle and at the corners', async () => {
    const W = 70
    const H = 50
    const windows = [
      { x0: 27, y0: 17 },
      { x0: 0, y0: 0 },
      { x0: W - size, y0: H - size },
      { x0: 3, y0: H - size - 2 }
    ].flatMap((p) => TURNS.map((t) => ({ ...p, t })))
    const { context, alone, black } = await compare(W, H, windows)
    expect(context).toBeLessThan(1e-5)
    // The same crops reconstructed on their own see black past their edges,
    // and so does the whole frame without its mirror image.
    expect(alone).toBeGreaterThan(0.01)
    expect(black).toBeGreaterThan(0.01)
  })

  it('equal the whole frame\'s inside frames narrower than the window and smaller than the crop, and are black past the frame', async () => {
    for (const [W, H] of [[24, 40], [10, 12]] as const) {
      const windows = TURNS.map((t) => ({ x0: W >= size ? 0 : Math.floor((W - size) / 2), y0: H > size ? 9 : Math.floor((H - size) / 2), t }))
      const { context, outside } = await compare(W, H, windows)
      expect(context).toBeLessThan(1e-5)
      // Inference's tiles read black past such a frame, in the image and its reconstruction.
      expect(outside).toBe(0)
    }
  })
})

describe('dropReconstructions (reconDropout)', () => {
  it('gives the dropped crops their own image as reconstruction and leaves the others', () => {
    const img = tf.tensor4d(Float32Array.from(noise(3 * 4 * 4 * 3, 21), (v) => v / 255), [3, 4, 4, 3])
    const recon = tf.tensor4d(Float32Array.from(noise(3 * 4 * 4 * 3, 22), (v) => v / 255), [3, 4, 4, 3])
    const out = dropReconstructions(img, recon, [1, 0, 1])
    const [o, i, r] = [out.arraySync(), img.arraySync(), recon.arraySync()]
    expect(o[0]).toEqual(r[0])
    expect(o[1]).toEqual(i[1])
    expect(o[2]).toEqual(r[2])
    expect(o[1]).not.toEqual(r[1])
    expect(dropReconstructions(img, recon, [1, 1, 1])).toBe(recon)
    expect(() => dropReconstructions(img, recon, [1, 0])).toThrow(/2 flags for 3 crops/)
    tf.dispose([img, recon, out])
  })
})
