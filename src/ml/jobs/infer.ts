/**
 * Inference on frames: per frame the reconstruction, per-class probability
 * maps resampled to the frame size, thresholded masks and the image score.
 * With writePngs: outDir/<id>/recon.png, heatmap.png (the highest defect-class
 * probability per pixel, or of all classes when there is no defect class) and
 * mask-<class>.png (0/255) and logit-<class>.png (the probability in the
 * bytes of src/shared/review/mapCode.ts, which hold any threshold the run
 * picks to within 0.063 logit).
 */
import path from 'node:path'
import type { InferItemResult, InferJobSpec, InferResult } from '../../shared/arcd/protocol'
import { DEFAULT_MAX_SHORT_SIDE, inputModeOf } from '../../shared/arcd/config'
import { extractMasks } from '../../shared/arcd/postprocess'
import { encodeProbability } from '../../shared/review/mapCode'
import { loadAnalysisFrame } from '../data/analysis'
import { modelToFrame } from '../data/letterbox'
import { resizeInterleaved } from '../data/resize'
import { predictFrameTiled, tileSetupFor } from '../infer/tiles'
import { disposeNets, loadModelDir } from '../io/modelDir'
import { writeGreyPng, writeHeatmapPng, writeRgbPng } from '../io/png'
import { predictBatch } from '../infer/predictor'
import { batchesOf } from '../train/batches'
import { loadSamples } from '../train/dataset'
import { CancelledError, badInput, yieldToEventLoop, type JobContext } from './context'

const DEFAULT_BATCH = 4

/** A file-name-safe form of an id or class name. */
export function safeName(value: string | number): string {
  return String(value).replace(/[^A-Za-z0-9._-]+/g, '_')
}

export async function runInfer(spec: InferJobSpec, ctx: JobContext): Promise<InferResult> {
  if (!Array.isArray(spec.images)) throw badInput('images must be an array')
  if (spec.writePngs && !(spec.outDir && path.isAbsolute(spec.outDir))) {
    throw badInput('writePngs needs an absolute outDir')
  }
  for (const it of spec.images) {
    if (typeof it.path !== 'string' || !path.isAbsolute(it.path)) throw badInput(`image ${String(it.id)}: path must be absolute`)
  }
  const model = await loadModelDir(spec.modelDir).catch((err: Error) => {
    throw badInput(err.message)
  })
  try {
    const { config, nets } = model
    if (!nets.disc) throw badInput(`${spec.modelDir} has no discriminative network (only stage 1 was trained)`)
    const classes = config.classes
    const K = classes.length
    const size = config.model.size
    const thresholds: Record<string, number> = {}
    for (const c of classes) thresholds[c.name] = spec.thresholds?.[c.name] ?? model.thresholds.perClass[c.name] ?? 0.5
    const heatChannels = classes.some((c) => c.kind === 'defect')
      ? classes.flatMap((c, i) => (c.kind === 'defect' ? [i] : []))
      : classes.map((_, i) => i)
    const setup = { arch: config.arch, nets, classes, size }
    const items: InferItemResult[] = []
    const started = performance.now()
    // Polygons play no part in inference; drop them so bad ones cannot fail the job.
    const frames = spec.images.map((it) => ({ ...it, polygons: [] }))
    const tiles = inputModeOf(config.model) === 'tiles'
    const maxShortSide = config.model.maxShortSide ?? DEFAULT_MAX_SHORT_SIDE
    const tileSetup = tileSetupFor(config.arch, config.model, nets, classes, spec.batchSize ?? DEFAULT_BATCH)
    const progress = (): void => {
      const secs = (performance.now() - started) / 1000
      const ips = secs > 0 ? items.length / secs : 0
      ctx.emit({ type: 'progress', jobId: ctx.jobId, stage: 'infer', epoch: 0, epochs: 0, step: items.length, steps: frames.length, loss: null, imagesPerSec: ips, etaSec: ips > 0 ? (frames.length - items.length) / ips : null })
    }
    const emitFrame = async (id: number | string, frameProbs: Float32Array, recon: Float32Array | null, W: number, H: number, score: number, classMax: number[]): Promise<void> => {
      const masks = extractMasks(frameProbs, W, H, classes, thresholds)
      const heat = new Float32Array(W * H)
      for (let i = 0; i < W * H; i++) {
        let h = 0
        for (const c of heatChannels) h = Math.max(h, frameProbs[i * K + c]!)
        heat[i] = h
      }
      const maskPixels: Record<string, number> = {}
      classes.forEach((c, k) => (maskPixels[c.name] = masks[k]!.reduce((n, v) => n + v, 0)))
      const result: InferItemResult = { id, score, classScores: Object.fromEntries(classes.map((c, k) => [c.name, classMax[k]!])), maskPixels }
      if (spec.writePngs && spec.outDir) {
        const dir = path.join(spec.outDir, safeName(id))
        const files = { dir, recon: recon ? path.join(dir, 'recon.png') : null, heatmap: path.join(dir, 'heatmap.png'), masks: {} as Record<string, string>, probs: {} as Record<string, string> }
        if (recon && files.recon) await writeRgbPng(files.recon, recon, W, H)
        await writeHeatmapPng(files.heatmap, heat, W, H)
        for (let k = 0; k < K; k++) {
          const f = path.join(dir, `mask-${safeName(classes[k]!.name)}.png`)
          await writeGreyPng(f, masks[k]!.map((v) => v * 255), W, H)
          files.masks[classes[k]!.name] = f
          // The class's probability as coded grey: the review and the editor's overlay read these.
          const prob = new Uint8Array(W * H)
          for (let i = 0; i < W * H; i++) prob[i] = encodeProbability(frameProbs[i * K + k]!)
          const pf = path.join(dir, `logit-${safeName(classes[k]!.name)}.png`)
          await writeGreyPng(pf, prob, W, H)
          files.probs[classes[k]!.name] = pf
        }
        result.files = files
      }
      items.push(result)
    }
    if (tiles) {
      for (const it of frames) {
        if (ctx.isCancelled()) throw new CancelledError()
        const frame = await loadAnalysisFrame(it.path, maxShortSide, { width: it.width, height: it.height }).catch((err: Error) => {
          throw badInput(`image ${String(it.id)}: ${err.message}`)
        })
        const p = await predictFrameTiled(tileSetup, frame)
        // Maps are stored at frame size so every reader (review, editor, exports) works in frame pixels.
        const frameProbs = frame.scale === 1 ? p.probs : resizeInterleaved(p.probs, p.width, p.height, K, it.width, it.height)
        const recon = p.recon ? (frame.scale === 1 ? p.recon : resizeInterleaved(p.recon, p.width, p.height, 3, it.width, it.height)) : null
        await emitFrame(it.id, frameProbs, recon, it.width, it.height, p.score, p.classMax)
        progress()
        await yieldToEventLoop()
      }
      return { kind: 'infer', modelDir: spec.modelDir, thresholds, items }
    }
    for (const chunk of batchesOf(frames, spec.batchSize ?? DEFAULT_BATCH)) {
      if (ctx.isCancelled()) throw new CancelledError()
      const samples = await loadSamples(chunk, size, K, ctx)
      const preds = await predictBatch(setup, samples.map((s) => s.image))
      for (let b = 0; b < samples.length; b++) {
        const s = samples[b]!
        const p = preds[b]!
        const frameProbs = modelToFrame(p.probs, s.box, K)
        const recon = p.recon ? modelToFrame(p.recon, s.box, 3) : null
        await emitFrame(s.item.id, frameProbs, recon, s.box.srcWidth, s.box.srcHeight, p.score, p.classMax)
      }
      progress()
      await yieldToEventLoop()
    }
    return { kind: 'infer', modelDir: spec.modelDir, thresholds, items }
  } finally {
    disposeNets(model.nets)
  }
}
