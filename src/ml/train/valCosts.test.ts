/**
 * What stage 2's plan knows of validation's cost before it runs: the probe
 * that times every part of a frame's cost on real frames, the evaluator's
 * scoring included (it runs on one CPU thread whatever the nets run on, so
 * no share of a network pass stands in for it); the training frames the
 * thresholds will fall back to; and the final pass's estimate.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../shared/arcd/config'
import type { ClassSpec, TrainJobSpec } from '../../shared/arcd/protocol'
import { reconstructFrame, tileGeometry } from '../infer/tiles'
import { recordingContext } from '../jobs/context'
import { buildDiscriminative, buildReconstruction } from '../models/networks'
import type { TileRun } from './tileContext'
import type { TileFrame } from './tileData'
import { finalPassEstimate, probeValCosts, thresholdFallback } from './tileValidation'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const classes: ClassSpec[] = [
  { name: 'fold', kind: 'defect' },
  { name: 'edge_crack', kind: 'defect' }
]
const model = { ...CPU_PRESET, size: 16, reconBase: 2, reconDepth: 2, discBase: 2, discDepth: 2, maxShortSide: 1024, tileOverlap: 0.25 }

function frame(width: number, height: number, seed: number, labelled: boolean, o: { split?: 'train' | 'val'; classIndex?: number } = {}): TileFrame {
  const rgb = new Uint8Array(width * height * 3)
  let s = seed
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    rgb[i] = s >>> 24
  }
  const targets = new Uint8Array(width * height * classes.length)
  const centres = classes.map(() => new Uint32Array(0))
  if (labelled) {
    const ci = o.classIndex ?? 0
    for (let y = 10; y < 20; y++) for (let x = 10; x < 30; x++) targets[(y * width + x) * classes.length + ci] = 1
    centres[ci] = Uint32Array.from([15 * width + 20])
  }
  return {
    item: { id: seed, path: `/frames/${seed}.png`, width, height, view: 'D01', split: o.split ?? 'val', normal: !labelled, polygons: [] },
    frame: { rgb, width, height, scale: 1, srcWidth: width, srcHeight: height },
    targets,
    centres
  }
}

/** A stage-2 run; only the probe needs networks, the planning helpers read classes, model and seed. */
function run(withNets = false): TileRun {
  const nets = withNets ? { recon: buildReconstruction(model, { seed: 1 }), disc: buildDiscriminative(model, classes.length, { seed: 2 }) } : { recon: null, disc: null }
  const spec = { kind: 'train', arch: 'arcd', runId: 'pv', outDir: '/nowhere', classes, images: [], model, train: DEFAULT_TRAIN, stages: ['disc'] } as TrainJobSpec
  return { spec, ctx: recordingContext('pv'), nets, classes, model, train: { ...DEFAULT_TRAIN, batchSize: 2 }, hooks: {} as TileRun['hooks'], plan: {} as TileRun['plan'], started: 0, warnings: [] }
}

/** A labelled and a normal 40x30 validation frame (1,200 pixels each); class 1 (edge_crack) on neither. */
const valPair = (): TileFrame[] => [frame(40, 30, 1, true), frame(40, 30, 2, false)]

describe('the validation cost probe', () => {
  it('times the reconstruction, a plain pass and the scoring of a round and of the final pass', async () => {
    const c = run(true)
    const probe = [frame(96, 64, 1, true), frame(80, 72, 2, false)]
    const pixels = 96 * 64 + 80 * 72
    const { costs, recons } = await probeValCosts(c, probe, 40 * pixels)
    expect(costs.reconPerPixel).toBeGreaterThan(0)
    expect(costs.discPerTilePixel).toBeGreaterThan(0)
    expect(costs.roundScorePerPixel).toBeGreaterThan(0)
    // The final pass scores what a round does, then adds the maps again and chooses thresholds.
    expect(costs.finalScorePerPixel).toBeGreaterThan(costs.roundScorePerPixel)
    // Its reconstructions are the ones inference makes, kept for stage 2's cache.
    const setup = { arch: 'arcd' as const, nets: c.nets, classes, ...tileGeometry('arcd', model), overlap: model.tileOverlap, batchSize: 2 }
    expect(recons.size).toBe(2)
    expect(Array.from(recons.get(probe[1]!)!)).toEqual(Array.from(await reconstructFrame(setup, probe[1]!.frame)))
    c.nets.recon!.dispose()
    c.nets.disc!.dispose()
  })
})

describe('the thresholds\' fallback to training frames', () => {
  it('names the classes no validation frame has labelled and the training frames it will read, before the pass', () => {
    const c = run()
    const val = valPair()
    const train = Array.from({ length: 12 }, (_, i) => frame(40, 30, 10 + i, i % 3 !== 2, { split: 'train', classIndex: i % 3 === 0 ? 1 : 0 }))
    const withCracks = train.filter((f) => f.centres[1]!.length > 0)
    const { missing, picked } = thresholdFallback(c, [...val, ...train], val, 3)
    expect(missing.map((cl) => cl.name)).toEqual(['edge_crack'])
    expect(picked).toHaveLength(3)
    for (const f of picked) expect(withCracks).toContain(f)
    // The same call picks the same frames (the pass and stage 2's plan must agree), and never more than there are.
    expect(thresholdFallback(c, [...val, ...train], val, 3).picked).toEqual(picked)
    expect(thresholdFallback(c, [...val, ...train], val, 10).picked).toHaveLength(withCracks.length)
    // Validation holding every class reads no training frame.
    expect(thresholdFallback(c, [...val, ...train], [...val, withCracks[0]!], 3)).toEqual({ missing: [], picked: [] })
  })
})

describe("the final pass's estimate", () => {
  it('counts each frame once, its reconstruction unless cached, and the fallback frames as validation frames', () => {
    const c = run()
    // The network costs nothing here (discPerTilePixel 0), so only pixels count: 40 x 30 = 1,200 a frame.
    const val = valPair()
    const train = [frame(40, 30, 3, true, { split: 'train', classIndex: 1 }), frame(40, 30, 4, true, { split: 'train', classIndex: 1 })]
    const costs = { reconPerPixel: 1, discPerTilePixel: 0, roundScorePerPixel: 0, finalScorePerPixel: 10 }
    // Per frame: 1,200 pixels x (1 reconstruction + 10 scoring) = 13,200 s; the cached one skips its 1,200 of reconstruction.
    const est = finalPassEstimate(c, costs, { frames: [...val, ...train], finalFrames: val, cached: new Set([val[0]!]), flips: true, fallbackFrames: 8 })
    expect(est).toEqual({ seconds: 4 * 13_200 - 1_200, scoring: 4 * 12_000, fallbackFrames: 2 })
    // With every class in validation there is no fallback.
    const all = finalPassEstimate(c, costs, { frames: [...val, ...train], finalFrames: [...val, train[0]!], cached: new Set(), flips: false, fallbackFrames: 8 })
    expect(all).toEqual({ seconds: 3 * 13_200, scoring: 3 * 12_000, fallbackFrames: 0 })
  })
})
