/**
 * Stage 2's reconstruction cache: one 8-bit reconstruction per frame, the
 * same one inference makes; and the fallback to reconstructing at every use
 * when the frames would not fit in memory.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../shared/arcd/config'
import type { ClassSpec, TrainJobSpec } from '../../shared/arcd/protocol'
import { reconstructFrame, tileGeometry } from '../infer/tiles'
import { CancelledError, recordingContext } from '../jobs/context'
import { buildDiscriminative, buildReconstruction } from '../models/networks'
import { buildReconCache } from './reconCache'
import type { TileRun } from './tileContext'
import type { TileFrame } from './tileData'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const classes: ClassSpec[] = [{ name: 'fold', kind: 'defect' }]
const model = { ...CPU_PRESET, size: 16, reconBase: 2, reconDepth: 2, discBase: 2, discDepth: 2, maxShortSide: 1024, tileOverlap: 0.25 }

function frame(width: number, height: number, seed: number): TileFrame {
  const rgb = new Uint8Array(width * height * 3)
  let s = seed
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    rgb[i] = s >>> 24
  }
  return {
    item: { id: seed, path: `/frames/${seed}.png`, width, height, view: 'D01', split: 'train', normal: true, polygons: [] },
    frame: { rgb, width, height, scale: 1, srcWidth: width, srcHeight: height },
    targets: new Uint8Array(width * height),
    centres: [new Uint32Array(0)]
  }
}

function run(ctx = recordingContext('rc')): TileRun {
  const nets = { recon: buildReconstruction(model, { seed: 1 }), disc: buildDiscriminative(model, classes.length, { seed: 2 }) }
  const spec = { kind: 'train', arch: 'arcd', runId: 'rc', outDir: '/nowhere', classes, images: [], model, train: DEFAULT_TRAIN, stages: ['disc'] } as TrainJobSpec
  return { spec, ctx, nets, classes, model, train: { ...DEFAULT_TRAIN, batchSize: 2 }, hooks: {} as TileRun['hooks'], plan: {} as TileRun['plan'], started: 0, warnings: [] }
}

describe('stage 2 reconstruction cache', () => {
  it('holds each frame once, as the reconstruction inference makes of it', async () => {
    const c = run()
    const a = frame(40, 28, 1)
    const b = frame(23, 50, 2)
    const cache = await buildReconCache(c, [a, b, a])
    expect(cache).not.toBeNull()
    expect(cache!.size).toBe(2)
    const setup = { arch: 'arcd' as const, nets: c.nets, classes, ...tileGeometry('arcd', model), overlap: model.tileOverlap, batchSize: 3 }
    expect(Array.from(cache!.get(a)!)).toEqual(Array.from(await reconstructFrame(setup, a.frame)))
    expect(Array.from(cache!.get(b)!)).toEqual(Array.from(await reconstructFrame(setup, b.frame)))
    expect(cache!.get(b)!.length).toBe(23 * 50 * 3)
    const logs = (c.ctx as ReturnType<typeof recordingContext>).events.flatMap((e) => (e.type === 'log' ? [e.message] : []))
    expect(logs.some((m) => /stage 2: reconstructed 2 frames once/.test(m))).toBe(true)
    c.nets.recon!.dispose()
    c.nets.disc!.dispose()
  })

  it('declines frames that would not fit, saying so, and stops when cancelled', async () => {
    const ctx = recordingContext('rc2')
    const c = run(ctx)
    const frames = [frame(40, 28, 3), frame(40, 28, 4)]
    expect(await buildReconCache(c, frames, 40 * 28 * 3 * 2 - 1)).toBeNull()
    const logs = ctx.events.flatMap((e) => (e.type === 'log' ? [e.message] : []))
    expect(logs.some((m) => /the reconstructions of 2 frames would take .* they are reconstructed at every use/.test(m))).toBe(true)
    expect(await buildReconCache(c, frames, 40 * 28 * 3 * 2)).not.toBeNull()
    ctx.cancel()
    await expect(buildReconCache(c, frames)).rejects.toBeInstanceOf(CancelledError)
    c.nets.recon!.dispose()
    c.nets.disc!.dispose()
  })
})
