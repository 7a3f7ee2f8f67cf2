import * as tf from '@tensorflow/tfjs'
import { CPU_PRESET, GPU_PRESET, type ModelConfig } from '../../src/shared/arcd/config'
import { buildBaselineUnet, buildDiscriminative, buildReconstruction, countParams, estimateFlops } from '../../src/ml/models'

export interface ModelSizeRow {
  preset: string
  network: string
  params: number
  flops: number
}

/** Sizes of the shipped presets' networks (three output classes: fold, edge_crack, lathe). */
export async function modelSizeRows(): Promise<ModelSizeRow[]> {
  await tf.setBackend('cpu')
  const rows: ModelSizeRow[] = []
  const presets: [string, ModelConfig][] = [
    ['cpu', CPU_PRESET],
    ['gpu', GPU_PRESET]
  ]
  for (const [name, cfg] of presets) {
    const nets: [string, () => tf.LayersModel][] = [
      ['reconstruction', () => buildReconstruction(cfg)],
      ['discriminative', () => buildDiscriminative(cfg, 3)],
      ['plain U-Net baseline', () => buildBaselineUnet(cfg, 3)]
    ]
    for (const [network, build] of nets) {
      const model = build()
      rows.push({ preset: `${name}${cfg.mflm || cfg.calm ? ' (MFLM+CALM)' : ''}`, network, params: countParams(model), flops: estimateFlops(model, cfg.size) })
      model.dispose()
    }
  }
  return rows
}
