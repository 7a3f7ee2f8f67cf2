/**
 * The model directory (models/<run>/):
 *   config.json      ModelDirConfig: arch, ModelConfig, TrainConfig, classes
 *   recon/           TF.js model.json + weights.bin (ARCD only)
 *   disc/            TF.js model.json + weights.bin (the discriminative net or the plain U-Net)
 *   thresholds.json  per-class thresholds (best F1 on validation)
 *   metrics.json     training history, stage summaries, validation report
 *   manifest.json    the training data: image ids, hashes, counts per class/view/split
 * The whole folder is written under a temporary name next to the target and
 * swapped in by rename, so a reader never sees half a model. Training
 * checkpoints (checkpoints/) are dropped by the swap once the model is final.
 */
import type * as tf from '@tensorflow/tfjs'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { ModelConfig, TrainConfig } from '../../shared/arcd/config'
import type { Arch, ClassSpec, DatasetItem, EpochRecord, StageSummary, TrainPlan } from '../../shared/arcd/protocol'
import type { EvalReport } from '../../shared/arcd/metrics'
import { buildBaselineUnet, buildDiscriminative, buildReconstruction } from '../models'
import { exists, makeStagingDir, readJson, replaceDir, writeJsonAtomic } from './files'
import { loadModelWeights, saveModel } from './weights'

export const MODEL_FORMAT = 'defect-studio-model'
export const MODEL_FORMAT_VERSION = 1
const CHECKPOINTS = 'checkpoints'
const MODEL_ENTRIES = new Set(['config.json', 'recon', 'disc', 'thresholds.json', 'metrics.json', 'manifest.json', CHECKPOINTS])

export interface ModelDirConfig {
  format: typeof MODEL_FORMAT
  version: number
  runId: string
  arch: Arch
  model: ModelConfig
  train: TrainConfig
  classes: ClassSpec[]
  /** Which networks have weights in this folder. */
  nets: { recon: boolean; disc: boolean }
  createdAt: string
  backend: string
  /**
   * Identifies what the reconstruction net learned from (normal training
   * frames and the settings that shape stage 1); a retrain with the same key
   * reuses it instead of paying for stage 1 again.
   */
  reconKey?: string
  plan?: TrainPlan
  /** Workspace classes the run had no labels for (no outputs). */
  untrainedClasses?: string[]
}

export interface ThresholdsFile {
  /** How they were chosen, e.g. 'best-f1-val'. */
  method: string
  perClass: Record<string, number>
}

export interface MetricsFile {
  history: EpochRecord[]
  stages: StageSummary[]
  valReport: EvalReport | null
}

export interface Manifest {
  runId: string
  createdAt: string
  images: { id: number | string; hash?: string; split: string; view: string; normal: boolean; classes: number[] }[]
  counts: {
    total: number
    normal: number
    bySplit: Record<string, number>
    byView: Record<string, number>
    /** Images and polygons per class name. */
    perClass: Record<string, { images: number; polygons: number }>
  }
}

export interface Nets {
  recon: tf.LayersModel | null
  disc: tf.LayersModel | null
}

/** Builds untrained networks for a configuration (weights are loaded separately). */
export function buildNets(
  arch: Arch,
  model: ModelConfig,
  classCount: number,
  want = { recon: true, disc: true },
  seed?: number
): Nets {
  if (classCount < 1) throw new Error('a model needs at least one class')
  const opts = seed === undefined ? {} : { seed }
  if (arch === 'unet') {
    return { recon: null, disc: want.disc ? buildBaselineUnet(model, classCount, opts) : null }
  }
  return {
    recon: want.recon ? buildReconstruction(model, opts) : null,
    disc: want.disc ? buildDiscriminative(model, classCount, opts) : null
  }
}

export function buildManifest(runId: string, items: DatasetItem[], classes: ClassSpec[]): Manifest {
  const bySplit: Record<string, number> = {}
  const byView: Record<string, number> = {}
  const perClass: Record<string, { images: number; polygons: number }> = {}
  for (const c of classes) perClass[c.name] = { images: 0, polygons: 0 }
  let normal = 0
  const images = items.map((it) => {
    bySplit[it.split] = (bySplit[it.split] ?? 0) + 1
    byView[it.view] = (byView[it.view] ?? 0) + 1
    if (it.normal) normal++
    const present = [...new Set(it.polygons.map((p) => p.classIndex))].sort((a, b) => a - b)
    const tally = (ci: number) => (perClass[classes[ci]?.name ?? String(ci)] ??= { images: 0, polygons: 0 })
    for (const ci of present) tally(ci).images++
    for (const p of it.polygons) tally(p.classIndex).polygons++
    const entry: Manifest['images'][number] = { id: it.id, split: it.split, view: it.view, normal: it.normal, classes: present }
    if (it.hash) entry.hash = it.hash
    return entry
  })
  return { runId, createdAt: new Date().toISOString(), images, counts: { total: items.length, normal, bySplit, byView, perClass } }
}

export interface ModelDirContents {
  config: ModelDirConfig
  nets: Nets
  thresholds: ThresholdsFile
  metrics: MetricsFile
  manifest: Manifest
}

/** Writes a complete model folder at `outDir` (staged, then swapped in). */
export async function writeModelDir(outDir: string, contents: ModelDirContents): Promise<void> {
  const staging = await makeStagingDir(outDir)
  try {
    if (contents.nets.recon) await saveModel(contents.nets.recon, path.join(staging, 'recon'))
    if (contents.nets.disc) await saveModel(contents.nets.disc, path.join(staging, 'disc'))
    await writeJsonAtomic(path.join(staging, 'thresholds.json'), contents.thresholds)
    await writeJsonAtomic(path.join(staging, 'metrics.json'), contents.metrics)
    await writeJsonAtomic(path.join(staging, 'manifest.json'), contents.manifest)
    await writeJsonAtomic(path.join(staging, 'config.json'), contents.config)
    // Keep anything else the caller stored in the run folder (logs, notes).
    if (await exists(outDir)) {
      for (const entry of await fs.readdir(outDir)) {
        if (!MODEL_ENTRIES.has(entry) && !entry.startsWith('.')) {
          await fs.rename(path.join(outDir, entry), path.join(staging, entry))
        }
      }
    }
    await replaceDir(staging, outDir)
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true })
    throw err
  }
}

export async function readModelConfig(dir: string): Promise<ModelDirConfig> {
  const config = await readJson<ModelDirConfig>(path.join(dir, 'config.json'), 'a model configuration (is this a model folder?)')
  if (config.format !== MODEL_FORMAT) throw new Error(`${dir}/config.json is not a ${MODEL_FORMAT} file`)
  if (config.version > MODEL_FORMAT_VERSION) {
    throw new Error(`${dir} was written by a newer version (format ${config.version}; this build reads up to ${MODEL_FORMAT_VERSION})`)
  }
  return config
}

export async function readThresholds(dir: string): Promise<ThresholdsFile> {
  const file = path.join(dir, 'thresholds.json')
  if (!(await exists(file))) return { method: 'default', perClass: {} }
  return readJson<ThresholdsFile>(file, 'model thresholds')
}

export interface LoadedModel {
  dir: string
  config: ModelDirConfig
  nets: Nets
  thresholds: ThresholdsFile
}

/** Rebuilds the networks from config.json and loads their weights. */
export async function loadModelDir(dir: string, want = { recon: true, disc: true }): Promise<LoadedModel> {
  const config = await readModelConfig(dir)
  const nets = buildNets(config.arch, config.model, config.classes.length, {
    recon: want.recon && config.nets.recon,
    disc: want.disc && config.nets.disc
  })
  try {
    if (nets.recon) await loadModelWeights(nets.recon, path.join(dir, 'recon'))
    if (nets.disc) await loadModelWeights(nets.disc, path.join(dir, 'disc'))
  } catch (err) {
    nets.recon?.dispose()
    nets.disc?.dispose()
    throw err
  }
  return { dir, config, nets, thresholds: await readThresholds(dir) }
}

export function disposeNets(nets: Nets): void {
  nets.recon?.dispose()
  nets.disc?.dispose()
}
