import { describe, expect, it } from 'vitest'
import type { DatasetItem } from '../../shared/arcd/protocol'
import { streamRng } from './streams'
import type { TileFrame } from './tileData'
import { coverClassesFirst, fitPrefixes, fullValidation, planValidation, probeFrames, valCandidates, validationNote, validationSets, type FrameSize } from './valSelection'

/** Frames whose only parts read here are split, normal and whether a class has labels. */
function frames(n: { valLabelled: number; valNormal: number; train: number }): TileFrame[] {
  const make = (i: number, split: 'train' | 'val', normal: boolean, labelled: boolean): TileFrame =>
    ({
      item: { id: `f${i}`, split, normal } as DatasetItem,
      frame: { width: 8, height: 8 },
      targets: new Uint8Array(0),
      centres: [labelled ? Uint32Array.of(3) : new Uint32Array(0)]
    }) as unknown as TileFrame
  const out: TileFrame[] = []
  let i = 0
  for (let k = 0; k < n.valLabelled; k++) out.push(make(i++, 'val', false, true))
  for (let k = 0; k < n.valNormal; k++) out.push(make(i++, 'val', true, false))
  for (let k = 0; k < n.train; k++) out.push(make(i++, 'train', k % 2 === 0, k % 2 === 1))
  return out
}

/** The frames runs read before plans had a validation part: the rounds' 24 + 8, and up to 40 normal ones for the thresholds (the code this replaced). */
function previousSelection(all: TileFrame[], seed: number): { rounds: TileFrame[]; final: TileFrame[] } {
  const rng = streamRng(seed, 31)
  const val = all.filter((f) => f.item.split === 'val')
  const labelled = val.filter((f) => f.centres.some((cs) => cs.length > 0))
  const normal = val.filter((f) => f.item.normal)
  const rounds = [...rng.sample(labelled, Math.min(24, labelled.length)), ...rng.sample(normal, Math.min(8, normal.length))]
  const taken = new Set(rounds)
  const have = rounds.filter((f) => f.item.normal).length
  const rest = all.filter((f) => f.item.split === 'val' && f.item.normal && !taken.has(f))
  const extra = streamRng(seed, 32).sample(rest, Math.max(0, Math.min(40 - have, rest.length)))
  return { rounds, final: [...rounds, ...extra] }
}

const same = (n: number, f: FrameSize): FrameSize[] => Array.from({ length: n }, () => f)

describe('validation candidates', () => {
  it('reads, without a budget, the very frames runs read before validation was sized', () => {
    for (const n of [
      { valLabelled: 30, valNormal: 60, train: 10 },
      { valLabelled: 5, valNormal: 6, train: 4 },
      { valLabelled: 0, valNormal: 12, train: 4 }
    ]) {
      const all = frames(n)
      const cands = valCandidates(all, 7)
      const sets = validationSets(cands, fullValidation(cands, true))
      const before = previousSelection(all, 7)
      expect(sets.rounds).toEqual(before.rounds)
      expect(sets.final).toEqual(before.final)
    }
  })

  it('reads a normal frame with region labels once, as a normal frame', () => {
    const all = frames({ valLabelled: 3, valNormal: 4, train: 0 }).map((f) => (f.item.normal ? { ...f, centres: [Uint32Array.of(5)] } : f))
    const cands = valCandidates(all, 1)
    expect(cands.labelled.map((f) => f.item.normal)).toEqual([false, false, false])
    const final = validationSets(cands, fullValidation(cands, true)).final
    expect(new Set(final).size).toBe(final.length)
    expect(final).toHaveLength(7)
  })

  it('takes smaller plans as prefixes, the rounds inside the final pass', () => {
    const cands = valCandidates(frames({ valLabelled: 30, valNormal: 60, train: 0 }), 2)
    expect([cands.labelled.length, cands.normals.length, cands.roundNormals]).toEqual([24, 40, 8])
    const sets = validationSets(cands, { labelled: 9, normals: 12, roundLabelled: 5, roundNormals: 3, finalFlips: false, candidateLabelled: 24, candidateNormals: 40 })
    expect(sets.final).toEqual([...cands.labelled.slice(0, 9), ...cands.normals.slice(0, 12)])
    expect(sets.rounds).toEqual([...cands.labelled.slice(0, 5), ...cands.normals.slice(0, 3)])
    expect(probeFrames(cands)).toEqual([cands.labelled[0], cands.normals[0]])
  })
})

describe('the order of the labelled validation frames', () => {
  /** A labelled frame of the given classes (indices into three), named for the test. */
  const labelledWith = (id: string, classes: number[]): TileFrame =>
    ({ item: { id, split: 'val', normal: false } as DatasetItem, frame: { width: 8, height: 8 }, targets: new Uint8Array(0), centres: [0, 1, 2].map((ci) => (classes.includes(ci) ? Uint32Array.of(1) : new Uint32Array(0))) }) as unknown as TileFrame
  const ids = (fs: TileFrame[]) => fs.map((f) => f.item.id)

  it('puts a frame of every class first, round after round, keeping the random order within a class', () => {
    // Six frames of class 0, then the only ones of 1 and 2: a prefix of 8 read no class 2 before.
    const fs = [...['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'].map((id) => labelledWith(id, [0])), labelledWith('b0', [1]), labelledWith('c0', [2]), labelledWith('b1', [1])]
    expect(ids(coverClassesFirst(fs))).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'])
  })

  it('counts a frame of several classes once for each, and keeps the set', () => {
    const fs = [labelledWith('a0', [0]), labelledWith('a1', [0]), labelledWith('ab', [0, 1]), labelledWith('c0', [2]), labelledWith('b0', [1])]
    const out = coverClassesFirst(fs)
    // a0 covers 0; ab is next with a new class (1); c0 covers 2; then a1 and b0 in their order.
    expect(ids(out)).toEqual(['a0', 'ab', 'c0', 'a1', 'b0'])
    expect(new Set(out)).toEqual(new Set(fs))
    expect(coverClassesFirst([])).toEqual([])
  })

  it('leaves one-class frames of a single class in their random order', () => {
    const fs = ['x', 'y', 'z'].map((id) => labelledWith(id, [1]))
    expect(coverClassesFirst(fs)).toEqual(fs)
  })
})

describe('fitting frames into a time allowance', () => {
  it('takes the floors whatever they cost, then one of each in turn until the next does not fit', () => {
    // Floors 5 + 1 = 6; +5 = 11; +1 = 12; the next labelled frame would make 17 > 13.
    expect(fitPrefixes([5, 5, 5, 5], [1, 1, 1], 13, { labelled: 1, normals: 1 })).toEqual({ labelled: 2, normals: 2, seconds: 12 })
    expect(fitPrefixes([10, 10], [10], 5, { labelled: 1, normals: 1 })).toEqual({ labelled: 1, normals: 1, seconds: 20 })
    expect(fitPrefixes([1, 1, 1], [], 10, { labelled: 0, normals: 5 })).toEqual({ labelled: 3, normals: 0, seconds: 3 })
    expect(fitPrefixes([], [], 10, { labelled: 8, normals: 10 })).toEqual({ labelled: 0, normals: 0, seconds: 0 })
  })
})

describe('the validation plan of a stage 2', () => {
  it("keeps every frame, mirrored, where they fit (magnetic-tile's 15-minute bench)", () => {
    // A plain pass 0.5 s a frame, its reconstruction 0.1 s, scoring 0.15 s: a mirrored final
    // pass is 0.1 + 0.5 x 3.2 + 0.15 = 1.85 s a frame, 118.4 s for 64 frames, under 0.3 x 648 s.
    const f = { pixels: 1e5, tilePixels: 1e5 }
    const plan = planValidation({ cands: { labelled: same(24, f), normals: same(40, f), roundNormals: 8 }, costs: { reconPerPixel: 1e-6, discPerTilePixel: 5e-6, roundScorePerPixel: 1.5e-6, finalScorePerPixel: 1.5e-6 }, stageSeconds: 648, flips: true, roundShare: 0.15 })
    expect(plan).toEqual({ labelled: 24, normals: 40, roundLabelled: 24, roundNormals: 8, finalFlips: true, candidateLabelled: 24, candidateNormals: 40 })
    expect(validationNote(plan, true)).toBeNull()
  })

  it('drops the mirrored tiles, then frames, to keep full-size frames within the stage (1440x2560, 20 minutes)', () => {
    // Reconstruction 5 s, a plain pass 7.5 s and scoring 2.25 s a frame: mirrored
    // 5 + 7.5 x 3.2 + 2.25 = 31.25 s, plain 5 + 7.5 + 2.25 = 14.75 s. 0.3 x 840 s = 252 s: the floors (8 + 10 frames) take
    // 562.5 s mirrored and 265.5 s plain, so plain, and the floors only.
    const f = { pixels: 1e6, tilePixels: 1e6 }
    const costs = { reconPerPixel: 5e-6, discPerTilePixel: 7.5e-6, roundScorePerPixel: 2.25e-6, finalScorePerPixel: 2.25e-6 }
    const plan = planValidation({ cands: { labelled: same(24, f), normals: same(40, f), roundNormals: 8 }, costs, stageSeconds: 840, flips: true, roundShare: 0.15 })
    // A round: 7.5 + 2.25 = 9.75 s a frame within 0.15 x 840 = 126 s: floors 4 + 2 (58.5 s),
    // then labelled, normal in turn to 117 s (7 + 5); one more would make 126.75 s.
    expect(plan).toEqual({ labelled: 8, normals: 10, roundLabelled: 7, roundNormals: 5, finalFlips: false, candidateLabelled: 24, candidateNormals: 40 })
    expect(validationNote(plan, true)).toBe(
      "the thresholds were chosen on 8 of 24 labelled and 10 of 40 normal validation frames on maps without mirrored tiles (one pass a tile instead of four; inference's mirrored maps are smoother, so check the thresholds on the Review page), to keep that pass within 30% of stage 2's time. A longer time budget reads more"
    )
    // With 0.3 x 1,900 = 570 s the mirrored floors (562.5 s) fit, and the next frame (593.75 s) does not.
    const longer = planValidation({ cands: { labelled: same(24, f), normals: same(40, f), roundNormals: 8 }, costs, stageSeconds: 1900, flips: true, roundShare: 0.15 })
    expect(longer).toMatchObject({ labelled: 8, normals: 10, finalFlips: true })
    expect(validationNote(longer, true)).toBe('the thresholds were chosen on 8 of 24 labelled and 10 of 40 normal validation frames, to keep that pass within 30% of stage 2\'s time. A longer time budget reads more')
  })

  it('counts scoring where it outweighs the nets (a GPU: fast passes, scoring on one CPU thread)', () => {
    // A plain pass 0.01 s a frame, mirrored 0.032 s, and scoring 1 s a frame in the
    // final pass, 0.5 s in a round: 1.032 s a frame, and 0.3 x 98 s = 29.4 s holds 28
    // (28.9 s): the floors (8 + 10), then labelled and normal in turn (13 + 15).
    const f = { pixels: 1e6, tilePixels: 1e6 }
    const costs = { reconPerPixel: 0, discPerTilePixel: 1e-8, roundScorePerPixel: 5e-7, finalScorePerPixel: 1e-6 }
    const plan = planValidation({ cands: { labelled: same(24, f), normals: same(40, f), roundNormals: 8 }, costs, stageSeconds: 98, flips: true, roundShare: 0.15 })
    expect(plan).toMatchObject({ labelled: 13, normals: 15, finalFlips: true })
    // A round: 0.51 s a frame within 14.7 s holds all 21 (10.71 s) of the 13 + 8 the rounds may read.
    expect(plan).toMatchObject({ roundLabelled: 13, roundNormals: 8 })
    // The same nets with scoring left out would read every frame.
    const free = planValidation({ cands: { labelled: same(24, f), normals: same(40, f), roundNormals: 8 }, costs: { ...costs, roundScorePerPixel: 0, finalScorePerPixel: 0 }, stageSeconds: 98, flips: true, roundShare: 0.15 })
    expect(free).toMatchObject({ labelled: 24, normals: 40 })
  })

  it('never mirrors when inference does not, and keeps the rounds to the frames the final pass reads', () => {
    const f = { pixels: 1e6, tilePixels: 1e6 }
    // Plain 5 + 7.5 + 2.25 = 14.75 s a frame; 0.3 x 1,000 = 300 s. Five normal frames in
    // all: the floors (8 + 5) take 191.75 s, and labelled frames fill the rest, to 15 (295 s).
    const plan = planValidation({ cands: { labelled: same(24, f), normals: same(5, f), roundNormals: 5 }, costs: { reconPerPixel: 5e-6, discPerTilePixel: 7.5e-6, roundScorePerPixel: 2.25e-6, finalScorePerPixel: 2.25e-6 }, stageSeconds: 1000, flips: false, roundShare: 1 })
    expect(plan).toMatchObject({ labelled: 15, normals: 5, finalFlips: false })
    // 1 x 1,000 s would hold every round frame; the rounds still read only the final pass's.
    expect(plan).toMatchObject({ roundLabelled: 15, roundNormals: 5 })
    expect(validationNote(plan, false)).toContain('15 of 24 labelled and 5 of 5 normal')
  })
})
