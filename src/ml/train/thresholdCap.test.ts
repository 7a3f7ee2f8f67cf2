/**
 * The crop recipe's thresholds against the normal frames they mark, through
 * a whole (tiny) training on real PNG files: the last validation pass reads
 * every validation normal frame up to its limit, not just the rounds' 8,
 * and with the default share no defect class's mask shows on more than 20%
 * of them, while with the share at 1 (best F1) a barely trained model's do.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../shared/arcd/config'
import { normalImages, type EvalReport } from '../../shared/arcd/metrics'
import type { ClassSpec, DatasetItem, TrainJobSpec } from '../../shared/arcd/protocol'
import { initBackend } from '../backend'
import { recordingContext } from '../jobs/context'
import { makeSyntheticDataset } from './syntheticData'
import { trainModel } from './trainer'

let tmp: string
let items: DatasetItem[]
let classes: ClassSpec[]

const model = { ...CPU_PRESET, size: 16, reconBase: 2, reconDepth: 1, discBase: 2, discDepth: 1 }
const train = { ...DEFAULT_TRAIN, budgetMinutes: 0, stage1Steps: 2, stage2Steps: 4, evalRounds: 1, batchSize: 4, lr: 1e-2, patience: 0, seed: 5 }

function spec(name: string, share: number, input: 'tiles' | 'letterbox' = 'tiles'): TrainJobSpec {
  const m = input === 'tiles' ? model : { ...model, input }
  const t = input === 'tiles' ? train : { ...train, stage1Epochs: 1, stage2Epochs: 1 }
  return { kind: 'train', runId: name, outDir: path.join(tmp, name), classes, images: items, model: m, train: { ...t, maxNormalFramesMarked: share }, stages: ['recon', 'disc'], arch: 'arcd' }
}

/** Per defect class, the validation normal frames its mask shows on. */
const marked = (r: EvalReport): Record<string, number> => Object.fromEntries(r.overall.classes.filter((c) => c.kind === 'defect').map((c) => [c.name, c.normalsMarked!]))

beforeAll(async () => {
  await initBackend()
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ds-cap-'))
  // Every fifth frame is a validation frame: 12 normal ones, more than the rounds' 8 and the cap's minimum of 10.
  ;({ items, classes } = await makeSyntheticDataset({ dir: path.join(tmp, 'data'), normal: 60, defects: 20, width: 28, height: 20, seed: 7 }))
})
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('thresholds capped by the normal frames they mark, in a training run', () => {
  it('reads every validation normal frame for the thresholds and keeps each class off all but 20% of them', async () => {
    const valNormals = items.filter((i) => i.split === 'val' && i.normal).length
    expect(valNormals).toBe(12)
    const allowed = Math.floor(0.2 * valNormals)

    const uncapped = await trainModel(spec('best-f1', 1), recordingContext('a'), 'test')
    expect(normalImages(uncapped.valMetrics!.overall)).toBe(valNormals)
    // The premise: best F1 of a model four steps old marks more normal frames than the cap allows.
    expect(Math.max(...Object.values(marked(uncapped.valMetrics!)))).toBeGreaterThan(allowed)
    expect(uncapped.warnings.filter((w) => w.includes('validation normal frames; raised to'))).toEqual([])

    const capped = await trainModel(spec('capped', 0.2), recordingContext('b'), 'test')
    expect(normalImages(capped.valMetrics!.overall)).toBe(valNormals)
    for (const n of Object.values(marked(capped.valMetrics!))) expect(n).toBeLessThanOrEqual(allowed)
    const raised = capped.warnings.filter((w) => w.includes('validation normal frames; raised to'))
    expect(raised.length).toBeGreaterThan(0)
    for (const w of raised) expect(w).toMatch(new RegExp(`^(blob|scratch): its best-F1 threshold [\\d.]+ would show its mask on \\d+ of the ${valNormals} validation normal frames; raised to [\\d.]+, where it shows on at most ${allowed} `))
  })

  it('holds the letterbox recipe to the same cap, so comparing the two inputs compares inputs', async () => {
    const valNormals = items.filter((i) => i.split === 'val' && i.normal).length
    const allowed = Math.floor(0.2 * valNormals)
    const uncapped = await trainModel(spec('letterbox-best-f1', 1, 'letterbox'), recordingContext('c'), 'test')
    expect(normalImages(uncapped.valMetrics!.overall)).toBe(valNormals)
    expect(Math.max(...Object.values(marked(uncapped.valMetrics!)))).toBeGreaterThan(allowed)

    const capped = await trainModel(spec('letterbox-capped', 0.2, 'letterbox'), recordingContext('d'), 'test')
    for (const n of Object.values(marked(capped.valMetrics!))) expect(n).toBeLessThanOrEqual(allowed)
    const raised = capped.warnings.filter((w) => w.includes('validation normal frames; raised to'))
    expect(raised.length).toBeGreaterThan(0)
  })
})
