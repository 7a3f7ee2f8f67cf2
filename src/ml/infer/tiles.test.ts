import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, GPU_PRESET, type ModelConfig } from '../../shared/arcd/config'
import type { ClassSpec } from '../../shared/arcd/protocol'
import { buildBaselineUnet } from '../models/networks'
import { predictFrameTiled, reconstructFrame, tileGeometry, tileSetupFor, tileSide, type TileSetup } from './tiles'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const CLASSES: ClassSpec[] = [
  { name: 'fold', kind: 'defect' },
  { name: 'edge_crack', kind: 'defect' }
]

function randomFrame(width: number, height: number, seed: number): { rgb: Uint8Array; width: number; height: number } {
  const rgb = new Uint8Array(width * height * 3)
  let s = seed
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    rgb[i] = s >>> 24
  }
  return { rgb, width, height }
}

/** The frame as a [1, H, W, 3] tensor in [0, 1]. */
function frameTensor(f: { rgb: Uint8Array; width: number; height: number }): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(f.rgb), [1, f.height, f.width, 3]), 255) as tf.Tensor4D)
}

describe('tile geometry', () => {
  it('infers on tiles twice the crop by default (at most 256, never below the crop), and on the crop size with MFLM in ARCD or with CALM', () => {
    expect(tileGeometry('unet', { ...CPU_PRESET, size: 64 })).toEqual({ size: 64, maxTile: 128, multiple: 16 })
    expect(tileGeometry('unet', { ...CPU_PRESET, size: 32 }).maxTile).toBe(64)
    expect(tileGeometry('unet', { ...CPU_PRESET, size: 256 }).maxTile).toBe(256)
    expect(tileGeometry('arcd', { ...CPU_PRESET, size: 512 })).toEqual({ size: 512, maxTile: 512, multiple: 16 })
    expect(tileGeometry('unet', { ...CPU_PRESET, size: 64, inferTile: 200 })).toEqual({ size: 64, maxTile: 192, multiple: 16 })
    // MFLM's transformer works on a fixed token grid.
    expect(tileGeometry('arcd', { ...GPU_PRESET, size: 128 }).maxTile).toBe(128)
    // CALM pools over the width and height it was built for.
    expect(tileGeometry('unet', { ...GPU_PRESET, size: 128 }).maxTile).toBe(128)
    // The plain U-Net has no MFLM block, whatever the preset says.
    expect(tileGeometry('unet', { ...GPU_PRESET, calm: false, size: 128 }).maxTile).toBe(256)
    // GPU preset's discriminative net pools 5 times.
    expect(tileGeometry('arcd', { ...GPU_PRESET, mflm: false, calm: false, size: 128 })).toEqual({ size: 128, maxTile: 256, multiple: 32 })
  })

  it('a tile side is the longest multiple inside the frame, between the crop and the longest tile', () => {
    const g = { size: 64, maxTile: 256, multiple: 16 }
    expect(tileSide(196, g)).toBe(192)
    expect(tileSide(208, g)).toBe(208)
    expect(tileSide(1000, g)).toBe(256)
    expect(tileSide(70, g)).toBe(64)
    // Smaller than a crop: padded to the crop, as training pads such frames.
    expect(tileSide(40, g)).toBe(64)
    expect(tileSide(100, { size: 64 })).toBe(64)
  })
})

describe('tiled inference on larger tiles than the training crops', () => {
  const cfg: ModelConfig = { ...CPU_PRESET, size: 16, discBase: 2, discDepth: 2, inferTile: 64 }

  it('a frame that is a multiple of the pooling factor is one tile: the net applied to the frame itself', async () => {
    const net = buildBaselineUnet(cfg, CLASSES.length, { seed: 3 })
    const frame = randomFrame(40, 56, 7)
    const setup: TileSetup = { arch: 'unet', nets: { recon: null, disc: net }, classes: CLASSES, ...tileGeometry('unet', cfg), overlap: 0.25, batchSize: 4 }
    const got = await predictFrameTiled(setup, frame)
    const want = tf.tidy(() => net.apply(frameTensor(frame), { training: false }) as tf.Tensor4D)
    const w = (await want.data()) as Float32Array
    want.dispose()
    expect(got.probs.length).toBe(w.length)
    let maxDiff = 0
    for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.probs[i]! - w[i]!))
    expect(maxDiff).toBeLessThan(1e-5)
    net.dispose()
  })

  it('with inferFlips a one-tile frame is the mean of the net on its four mirror images, each mirrored back', async () => {
    const net = buildBaselineUnet(cfg, CLASSES.length, { seed: 5 })
    const W = 48
    const H = 32
    const frame = randomFrame(W, H, 11)
    // The oracle mirrors whole frames; inference mirrors tiles (tileFlips.ts).
    const mirror = (src: Float32Array | Uint8Array, C: number, flipX: boolean, flipY: boolean): Float32Array => {
      const out = new Float32Array(src.length)
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const from = ((flipY ? H - 1 - y : y) * W + (flipX ? W - 1 - x : x)) * C
          for (let c = 0; c < C; c++) out[(y * W + x) * C + c] = src[from + c]!
        }
      }
      return out
    }
    const K = CLASSES.length
    const want = new Float32Array(W * H * K)
    for (const [fx, fy] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const input = tf.tensor4d(mirror(frame.rgb, 3, fx, fy).map((v) => v / 255), [1, H, W, 3])
      const out = tf.tidy(() => net.apply(input, { training: false }) as tf.Tensor4D)
      const back = mirror((await out.data()) as Float32Array, K, fx, fy)
      tf.dispose([input, out])
      for (let i = 0; i < want.length; i++) want[i] = want[i]! + back[i]! / 4
    }
    const setup = tileSetupFor('unet', { ...cfg, inferFlips: true }, { recon: null, disc: net }, CLASSES, 4)
    expect(setup.flips).toBe(true)
    const tensorsBefore = tf.memory().numTensors
    const got = await predictFrameTiled(setup, frame)
    // The four passes leave no tensor behind.
    expect(tf.memory().numTensors).toBe(tensorsBefore)
    const plain = await predictFrameTiled(tileSetupFor('unet', { ...cfg, inferFlips: false }, { recon: null, disc: net }, CLASSES, 4), frame)
    let maxDiff = 0
    let plainDiff = 0
    for (let i = 0; i < want.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got.probs[i]! - want[i]!))
      plainDiff = Math.max(plainDiff, Math.abs(plain.probs[i]! - want[i]!))
    }
    expect(maxDiff).toBeLessThan(1e-5)
    // The net is not mirror-symmetric, so the check above could fail.
    expect(plainDiff).toBeGreaterThan(1e-3)
    net.dispose()
  })

  it('no tile reaches past a frame at least a crop wide (training crops never show black beyond the frame)', async () => {
    const net = buildBaselineUnet(cfg, CLASSES.length, { seed: 3 })
    const seen: number[][] = []
    const apply = net.apply.bind(net)
    net.apply = ((x: tf.Tensor, kw?: tf.serialization.ConfigDict) => {
      seen.push(x.shape)
      return apply(x, kw)
    }) as typeof net.apply
    const frame = randomFrame(38, 54, 7)
    const setup: TileSetup = { arch: 'unet', nets: { recon: null, disc: net }, classes: CLASSES, ...tileGeometry('unet', cfg), overlap: 0.25, batchSize: 4 }
    const got = await predictFrameTiled(setup, frame)
    expect(got.probs.every((v) => Number.isFinite(v) && v > 0 && v < 1)).toBe(true)
    expect(seen.length).toBeGreaterThan(0)
    // Tiles of 52 rows and 36 columns (multiples of 4 inside 54 x 38), more than one along each side.
    for (const [, h, w] of seen) {
      expect(h).toBe(52)
      expect(w).toBe(36)
    }
    expect(seen.reduce((n, sh) => n + sh[0]!, 0)).toBe(4)
    net.dispose()
  })

  it('a model with CALM infers on tiles of its crop size (its pooling fails on larger inputs)', async () => {
    const calmCfg: ModelConfig = { ...cfg, calm: true }
    const net = buildBaselineUnet(calmCfg, CLASSES.length, { seed: 4 })
    expect(() => tf.tidy(() => net.apply(tf.zeros([1, 32, 32, 3]), { training: false }) as tf.Tensor)).toThrow()
    const setup: TileSetup = { arch: 'unet', nets: { recon: null, disc: net }, classes: CLASSES, ...tileGeometry('unet', calmCfg), overlap: 0.25, batchSize: 4 }
    const got = await predictFrameTiled(setup, randomFrame(50, 37, 3))
    expect(got.probs.length).toBe(50 * 37 * CLASSES.length)
    expect(got.probs.every((v) => Number.isFinite(v) && v > 0 && v < 1)).toBe(true)
    net.dispose()
  })

  it('overlapping tiles cover every pixel once after blending (a per-pixel net gives its own output everywhere)', async () => {
    // A 1x1 convolution sees one pixel, so whatever tiles cover a pixel and
    // however they are weighted, the blend must equal the net on the whole frame.
    const input = tf.input({ shape: [null, null, 3] as unknown as number[] })
    const out = tf.layers.conv2d({ filters: CLASSES.length, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.randomNormal({ seed: 5 }), biasInitializer: 'ones' }).apply(input) as tf.SymbolicTensor
    const net = tf.model({ inputs: input, outputs: out })
    const frame = randomFrame(150, 97, 11)
    const setup: TileSetup = { arch: 'unet', nets: { recon: null, disc: net }, classes: CLASSES, size: 16, maxTile: 48, multiple: 4, overlap: 0.25, batchSize: 3 }
    const got = await predictFrameTiled(setup, frame)
    const want = tf.tidy(() => net.apply(frameTensor(frame)) as tf.Tensor4D)
    const w = (await want.data()) as Float32Array
    want.dispose()
    let maxDiff = 0
    for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.probs[i]! - w[i]!))
    expect(maxDiff).toBeLessThan(1e-5)
    const expectedMax = CLASSES.map((_, c) => {
      let m = 0
      for (let i = c; i < w.length; i += CLASSES.length) m = Math.max(m, w[i]!)
      return m
    })
    got.classMax.forEach((m, c) => expect(m).toBeCloseTo(expectedMax[c]!, 5))
    net.dispose()
  })
})

describe("ARCD's tiled inference reads one reconstruction of the whole frame", () => {
  /** A net that maps each pixel on its own (1x1 convolution): tiling cannot change its output. */
  function perPixelNet(inChannels: number, outChannels: number, seed: number): tf.LayersModel {
    const input = tf.input({ shape: [null, null, inChannels] as unknown as number[] })
    const out = tf.layers
      .conv2d({ filters: outChannels, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.randomNormal({ seed }), biasInitializer: 'zeros' })
      .apply(input) as tf.SymbolicTensor
    return tf.model({ inputs: input, outputs: out })
  }
  const geometry = { size: 16, maxTile: 48, multiple: 4, overlap: 0.25, batchSize: 3 }

  it('the reconstruction is the recon net on the frame, blended from tiles and rounded to 8 bits', async () => {
    const recon = perPixelNet(3, 3, 21)
    const disc = perPixelNet(6, CLASSES.length, 22)
    const frame = randomFrame(131, 77, 5)
    const setup: TileSetup = { arch: 'arcd', nets: { recon, disc }, classes: CLASSES, ...geometry }
    const got = await reconstructFrame(setup, frame)
    const want = tf.tidy(() => recon.apply(frameTensor(frame)) as tf.Tensor4D)
    const w = (await want.data()) as Float32Array
    want.dispose()
    expect(got).toBeInstanceOf(Uint8Array)
    expect(got.length).toBe(w.length)
    let maxDiff = 0
    for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - w[i]! * 255))
    // Rounding moves a value by at most half a step; the blend's float error may tip a half either way.
    expect(maxDiff).toBeLessThanOrEqual(0.5 + 1e-3)
    recon.dispose()
    disc.dispose()
  })

  it('the reconstruction net reads a mirror-extended frame on tiles of its training crop, so the frame\'s edges are no worse than its middle', async () => {
    // A 3x3 mean with zero padding: on a flat frame every tile's edge darkens
    // by a third. Blending hides that inside the frame; at the frame's own
    // edges only mirroring does (a corner would come out at 4/9 of the grey).
    const input = tf.input({ shape: [null, null, 3] as unknown as number[] })
    const mean = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false, weights: [tf.tidy(() => tf.mul(tf.oneHot([0, 1, 2], 3).reshape([1, 1, 3, 3]).tile([3, 3, 1, 1]), 1 / 9))] })
    const model = tf.model({ inputs: input, outputs: mean.apply(input) as tf.SymbolicTensor })
    const seen: number[][] = []
    const recon = { apply: (x: tf.Tensor, a?: object) => (seen.push(x.shape.slice(1, 3)), model.apply(x, a)) } as unknown as tf.LayersModel
    const W = 70
    const H = 50
    const grey = 200
    const frame = { rgb: new Uint8Array(W * H * 3).fill(grey), width: W, height: H }
    const got = await reconstructFrame({ arch: 'arcd', nets: { recon, disc: perPixelNet(6, 2, 1) }, classes: CLASSES, ...geometry }, frame)
    let edge = 0
    let inner = 0
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const err = Math.abs(got[(y * W + x) * 3]! - grey)
        if (Math.min(x, y, W - 1 - x, H - 1 - y) === 0) edge = Math.max(edge, err)
        else inner = Math.max(inner, err)
      }
    }
    expect(edge).toBeLessThanOrEqual(inner)
    expect(inner).toBeLessThan(grey * 0.15)
    for (const corner of [0, W - 1, (H - 1) * W, H * W - 1]) expect(Math.abs(got[corner * 3]! - grey)).toBeLessThan(grey * 0.1)
    expect(seen.length).toBeGreaterThan(0)
    for (const shape of seen) expect(shape).toEqual([geometry.size, geometry.size])
    model.dispose()
  })

  it('the discriminative net reads [image, the given reconstruction] at every pixel, and inference without one makes the same', async () => {
    const recon = perPixelNet(3, 3, 23)
    const disc = perPixelNet(6, CLASSES.length, 24)
    const frame = randomFrame(97, 150, 9)
    const setup: TileSetup = { arch: 'arcd', nets: { recon, disc }, classes: CLASSES, ...geometry }
    // Any 8-bit image will do as the reconstruction: what matters is that the net reads it.
    const given = randomFrame(97, 150, 10).rgb
    const got = await predictFrameTiled(setup, frame, given)
    const want = tf.tidy(() => {
      const r = tf.div(tf.tensor4d(Float32Array.from(given), [1, 150, 97, 3]), 255)
      return disc.apply(tf.concat([frameTensor(frame), r], 3)) as tf.Tensor4D
    })
    const w = (await want.data()) as Float32Array
    want.dispose()
    let maxDiff = 0
    for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.probs[i]! - w[i]!))
    expect(maxDiff).toBeLessThan(1e-5)
    expect(got.recon![0]).toBeCloseTo(given[0]! / 255, 6)

    const own = await predictFrameTiled(setup, frame)
    const viaCache = await predictFrameTiled(setup, frame, await reconstructFrame(setup, frame))
    expect(Array.from(own.probs)).toEqual(Array.from(viaCache.probs))
    expect(own.reconError).toEqual(viaCache.reconError)
    await expect(predictFrameTiled(setup, frame, new Uint8Array(10))).rejects.toThrow(/a 97x150 frame needs a reconstruction of 43650 values, got 10/)
    recon.dispose()
    disc.dispose()
  })
})
