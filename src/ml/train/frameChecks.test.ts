/**
 * What a training run checks about its frames before it learns from them:
 * files replaced since import (content hash) and classes validation cannot
 * set a threshold for (letterbox recipe; the tiles recipe has its own test).
 */
import sharp from 'sharp'
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../shared/arcd/config'
import type { ClassSpec, DatasetItem, TrainJobSpec } from '../../shared/arcd/protocol'
import { initBackend } from '../backend'
import { recordingContext } from '../jobs/context'
import { makeSyntheticDataset } from './syntheticData'
import { trainModel } from './trainer'

let tmp: string
let classes: ClassSpec[]

const model = { ...CPU_PRESET, input: 'letterbox' as const, size: 16, reconBase: 2, reconDepth: 1, discBase: 2, discDepth: 1 }
const train = { ...DEFAULT_TRAIN, batchSize: 4, lr: 1e-2, stage1Epochs: 1, stage2Epochs: 1, patience: 10, seed: 3, loss: 'focal-batch' as const, ssimWeight: 0.01 }

/** SHA-256 of the file's bytes, hex: what the import stores (README, "Importing"). */
async function importHash(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex')
}

/** Writes a different picture of the same size over the file, as a camera PC re-exporting a frame would. */
async function replace(file: string): Promise<void> {
  const { width, height } = await sharp(file).metadata()
  await sharp({ create: { width: width!, height: height!, channels: 3, background: '#123456' } }).png().toFile(file + '.new')
  await fs.rename(file + '.new', file)
}

async function dataset(name: string): Promise<DatasetItem[]> {
  const made = await makeSyntheticDataset({ dir: path.join(tmp, name), normal: 10, defects: 10, width: 20, height: 16 })
  classes = made.classes
  return Promise.all(made.items.map(async (it) => ({ ...it, hash: await importHash(it.path) })))
}

function spec(name: string, images: DatasetItem[]): TrainJobSpec {
  return { kind: 'train', runId: name, outDir: path.join(tmp, 'models', name), classes, images, model, train, stages: ['recon', 'disc'], arch: 'arcd' }
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' })
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ds-frames-'))
})
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('frames a training run checks', () => {
  it('leaves out a frame whose file changed since import, names it in the warnings, and takes a class missing from validation to training frames', async () => {
    const items = await dataset('one')
    const changed = items.find((it) => it.split === 'train' && !it.normal)!
    await replace(changed.path)
    // Validation keeps blob positives but loses its only scratch frame to training.
    const scratchVal = items.filter((it) => it.split === 'val' && it.polygons.some((p) => classes[p.classIndex]!.name === 'scratch'))
    expect(scratchVal.length).toBeGreaterThan(0)
    for (const it of scratchVal) it.split = 'train'
    const result = await trainModel(spec('one', items), recordingContext('one'), 'cpu')
    expect(result.warnings).toContain(`frame file changed since import: ${changed.path}; re-import it`)
    expect(result.warnings.some((w) => /no labelled validation frames for scratch\b/.test(w) && /training frames/.test(w))).toBe(true)
    // blob's threshold is validation's (the threshold caps may still warn about it).
    expect(result.warnings.some((w) => /no labelled validation frames for [^:]*\bblob\b/.test(w))).toBe(false)
    // The model folder's manifest lists the frames it learned from: not the changed one.
    const manifest = JSON.parse(await fs.readFile(path.join(result.modelDir, 'manifest.json'), 'utf8')) as unknown
    const text = JSON.stringify(manifest)
    expect(text).not.toContain(changed.hash!)
    expect(text).toContain(items.find((it) => it !== changed && it.split === 'train')!.hash!)
    const thresholds = JSON.parse(await fs.readFile(path.join(result.modelDir, 'thresholds.json'), 'utf8')) as { method: string; perClass: Record<string, number> }
    expect(thresholds.method).toBe('best-f1-val+train')
    expect(Object.keys(thresholds.perClass).sort()).toEqual(['blob', 'scratch'])
  })

  it('fails the run when more than a tenth of its frames changed, naming them', async () => {
    const items = await dataset('many')
    const victims = items.filter((it) => it.split !== 'test').slice(0, 2)
    for (const it of victims) await replace(it.path)
    // 16 frames are read (train and validation); 2 changed is 12.5%.
    const err = await trainModel(spec('many', items), recordingContext('many'), 'cpu').then(
      () => null,
      (e: Error) => e
    )
    expect(err?.message).toMatch(/^2 of 16 training frames changed since import/)
    for (const it of victims) expect(err?.message).toContain(`frame file changed since import: ${it.path}; re-import it`)
    await expect(fs.access(path.join(tmp, 'models', 'many', 'config.json'))).rejects.toThrow()
  })
})
