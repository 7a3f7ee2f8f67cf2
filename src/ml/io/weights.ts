/**
 * TF.js layers-model files (model.json + weights.bin) written and read with
 * node:fs, so they load on any backend (tfjs-node's file:// handler is not
 * available here). Weights are matched to a freshly built model by position
 * and shape: layer names carry global counters and differ between builds.
 */
import * as tf from '@tensorflow/tfjs'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { readJson, writeFileAtomic, writeJsonAtomic } from './files'
import { appendAll } from '../../shared/arrays'

export const MODEL_JSON = 'model.json'
export const WEIGHTS_BIN = 'weights.bin'

interface WeightsManifestGroup {
  paths: string[]
  weights: tf.io.WeightsManifestEntry[]
}

interface ModelJson {
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  modelTopology?: unknown
  weightsManifest: WeightsManifestGroup[]
}

export interface NamedArray {
  name: string
  tensor: tf.Tensor
}

/** Writes tensors as `<base>.json` (a weights manifest) + `<base>.bin`. Order is kept. */
export async function writeTensorFiles(
  dir: string,
  base: string,
  tensors: NamedArray[],
  extra: Partial<ModelJson> = {}
): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors)
  const bin = `${base === 'model' ? 'weights' : base}.bin`
  await writeFileAtomic(path.join(dir, bin), new Uint8Array(data))
  const json: ModelJson = { ...extra, weightsManifest: [{ paths: [bin], weights: specs }] }
  await writeJsonAtomic(path.join(dir, `${base}.json`), json)
}

/** Reads tensors written by writeTensorFiles (or any single-group TF.js model.json), in file order. */
export async function readTensorFiles(dir: string, base: string): Promise<NamedArray[]> {
  const jsonPath = path.join(dir, `${base}.json`)
  const json = await readJson<ModelJson>(jsonPath, 'a TF.js weights manifest')
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath} has no weightsManifest`)
  const specs: tf.io.WeightsManifestEntry[] = []
  const buffers: ArrayBuffer[] = []
  for (const group of json.weightsManifest) {
    appendAll(specs, group.weights)
    for (const p of group.paths) {
      const buf = await fs.readFile(path.join(dir, p)).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`cannot read weights file ${path.join(dir, p)}: ${err.code ?? String(err)}`)
      })
      buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer)
    }
  }
  const data = tf.io.concatenateArrayBuffers(buffers)
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0)
  if (data.byteLength !== expected) {
    throw new Error(`weights in ${dir} hold ${data.byteLength} bytes, the manifest describes ${expected}`)
  }
  const named = tf.io.decodeWeights(data, specs)
  return specs.map((s) => {
    const tensor = named[s.name]
    if (!tensor) throw new Error(`weight ${s.name} missing from ${dir}`)
    return { name: s.name, tensor }
  })
}

/** Saves a layers model as TF.js model.json (with topology when it serialises) + weights.bin. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true })
  let topology: unknown = null
  try {
    topology = model.toJSON(null, false)
  } catch {
    // A custom layer without getConfig cannot serialise its topology; the
    // weights still load into a model rebuilt from config.json.
    topology = null
  }
  const tensors = model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }))
  await writeTensorFiles(dir, 'model', tensors, {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: topology
  })
}

/** Current weight values of a model, cloned (survive later training steps). */
export function snapshotWeights(model: tf.LayersModel): tf.Tensor[] {
  return model.weights.map((w) => tf.clone(w.read()))
}

export function restoreWeights(model: tf.LayersModel, values: tf.Tensor[]): void {
  assertSameShapes(model, values.map((t) => t.shape), 'snapshot')
  model.setWeights(values)
}

function assertSameShapes(model: tf.LayersModel, shapes: number[][], source: string): void {
  const weights = model.weights
  if (weights.length !== shapes.length) {
    throw new Error(`${source} has ${shapes.length} weights, the model ${model.name} has ${weights.length}`)
  }
  weights.forEach((w, i) => {
    const s = shapes[i]!
    if (s.length !== w.shape.length || s.some((d, k) => d !== w.shape[k])) {
      throw new Error(`${source}: weight ${i} (${w.originalName}) has shape [${s}], the model expects [${w.shape}]`)
    }
  })
}

/** Loads weights from a model folder into `model`; every weight must match in order and shape. */
export async function loadModelWeights(model: tf.LayersModel, dir: string): Promise<void> {
  const named = await readTensorFiles(dir, 'model')
  try {
    assertSameShapes(model, named.map((n) => n.tensor.shape), dir)
    model.setWeights(named.map((n) => n.tensor))
  } finally {
    tf.dispose(named.map((n) => n.tensor))
  }
}

/**
 * Copies weights from a model folder where shapes match: by name when every
 * name of the model is found there, else by position. Returns counts so the
 * caller can report a partial warm start.
 */
export async function warmStartWeights(model: tf.LayersModel, dir: string): Promise<{ loaded: number; skipped: number; loadedNames: string[] }> {
  const named = await readTensorFiles(dir, 'model')
  try {
    const byName = new Map(named.map((n) => [n.name, n.tensor]))
    const useNames = model.weights.every((w) => byName.has(w.originalName))
    const values: tf.Tensor[] = []
    const loadedNames: string[] = []
    model.weights.forEach((w, i) => {
      const src = useNames ? byName.get(w.originalName) : named[i]?.tensor
      const current = w.read()
      if (src && src.shape.length === w.shape.length && src.shape.every((d, k) => d === w.shape[k])) {
        values.push(src)
        loadedNames.push(w.originalName)
      } else {
        values.push(current)
      }
    })
    model.setWeights(values)
    return { loaded: loadedNames.length, skipped: model.weights.length - loadedNames.length, loadedNames }
  } finally {
    tf.dispose(named.map((n) => n.tensor))
  }
}
