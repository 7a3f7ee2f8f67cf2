/**
 * Training checkpoints: outDir/checkpoints/ckpt-NNNNNN/ holding state.json,
 * the current weights of both networks, the best weights of the running
 * stage and the Adam state (moments + iteration count). Each checkpoint is
 * written under a temporary name and renamed when complete, so the newest
 * ckpt-* folder is always whole; the two newest are kept.
 */
import type * as tf from '@tensorflow/tfjs'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { ModelConfig } from '../../shared/arcd/config'
import type { Arch, EpochRecord, StageSummary, TrainPlan, TrainStage } from '../../shared/arcd/protocol'
import { exists, makeStagingDir, readJson, writeJsonAtomic } from '../io/files'
import { readTensorFiles, saveModel, writeTensorFiles } from '../io/weights'
import type { ScheduledAdam } from './optimizer'
import type { StageResume } from './stage'

export const CHECKPOINT_FORMAT = 'defect-studio-checkpoint'
const KEEP = 2
const NAME = /^ckpt-(\d{6})$/

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT
  version: 1
  runId: string
  arch: Arch
  model: ModelConfig
  classCount: number
  stage: TrainStage
  /** The stage finished (all epochs or early stop) and its best weights are the current ones. */
  stageDone: boolean
  /** Epochs of this stage fully done. */
  epoch: number
  /** Steps done in the epoch after `epoch` (non-zero only for a checkpoint taken on cancel). */
  step: number
  epochLossSum: number
  epochImages: number
  bestValLoss: number | null
  bestEpoch: number
  wait: number
  history: EpochRecord[]
  summaries: StageSummary[]
  /** Steps planned per stage ('tiles' input), so a resumed run keeps its schedule. */
  plan?: TrainPlan
  files: { recon: boolean; disc: boolean; best: boolean; optimizer: boolean }
  savedAt: string
}

export interface CheckpointParts {
  recon: tf.LayersModel | null
  disc: tf.LayersModel | null
  best: tf.Tensor[] | null
  optimizer: ScheduledAdam | null
}

export function checkpointsDir(outDir: string): string {
  return path.join(outDir, 'checkpoints')
}

async function listCheckpoints(dir: string): Promise<{ name: string; seq: number }[]> {
  if (!(await exists(dir))) return []
  const names = await fs.readdir(dir)
  return names
    .map((name) => ({ name, m: NAME.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({ name: e.name, seq: Number(e.m[1]) }))
    .sort((a, b) => b.seq - a.seq)
}

export async function writeCheckpoint(
  dir: string,
  state: Omit<CheckpointState, 'format' | 'version' | 'files' | 'savedAt'>,
  parts: CheckpointParts
): Promise<string> {
  await fs.mkdir(dir, { recursive: true })
  const existing = await listCheckpoints(dir)
  const seq = (existing[0]?.seq ?? 0) + 1
  const target = path.join(dir, `ckpt-${String(seq).padStart(6, '0')}`)
  const staging = await makeStagingDir(target)
  try {
    if (parts.recon) await saveModel(parts.recon, path.join(staging, 'recon'))
    if (parts.disc) await saveModel(parts.disc, path.join(staging, 'disc'))
    if (parts.best) await writeTensorFiles(staging, 'best', parts.best.map((t, i) => ({ name: `w${i}`, tensor: t })))
    if (parts.optimizer) await parts.optimizer.save(staging)
    const full: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      version: 1,
      ...state,
      files: { recon: !!parts.recon, disc: !!parts.disc, best: !!parts.best, optimizer: !!parts.optimizer },
      savedAt: new Date().toISOString()
    }
    await writeJsonAtomic(path.join(staging, 'state.json'), full)
    await fs.rename(staging, target)
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true })
    throw err
  }
  for (const old of existing.slice(KEEP - 1)) {
    await fs.rm(path.join(dir, old.name), { recursive: true, force: true })
  }
  return target
}

/** A checkpoint folder, or the newest complete one in a checkpoints/ folder; null when none. */
export async function findCheckpoint(from: string): Promise<string | null> {
  if (await exists(path.join(from, 'state.json'))) return from
  for (const c of await listCheckpoints(from)) {
    const dir = path.join(from, c.name)
    if (await exists(path.join(dir, 'state.json'))) return dir
  }
  return null
}

export async function readCheckpointState(dir: string): Promise<CheckpointState> {
  const state = await readJson<CheckpointState>(path.join(dir, 'state.json'), 'a training checkpoint')
  if (state.format !== CHECKPOINT_FORMAT) throw new Error(`${dir} is not a training checkpoint`)
  return state
}

export async function readBestWeights(dir: string): Promise<tf.Tensor[]> {
  return (await readTensorFiles(dir, 'best')).map((n) => n.tensor)
}

/** Where a stage picks up from a checkpoint taken inside it. */
export async function stageResumeFrom(ck: CheckpointState, dir: string): Promise<StageResume> {
  return {
    epoch: ck.epoch,
    step: ck.step,
    epochLossSum: ck.epochLossSum,
    epochImages: ck.epochImages,
    bestValLoss: ck.bestValLoss,
    bestEpoch: ck.bestEpoch,
    wait: ck.wait,
    best: ck.files.best ? await readBestWeights(dir) : null,
    optimizerDir: ck.files.optimizer ? dir : null
  }
}
