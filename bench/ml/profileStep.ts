/**
 * npx tsx bench/ml/profileStep.ts [wasm|cpu] [steps]
 * CPU time per kernel of one bench U-Net training step (batch 4 at 128).
 * Kernels called from inside other kernels count towards the outer one.
 * CPU time, not wall time, so other work on a shared machine barely skews it.
 */
import * as tf from '@tensorflow/tfjs'
import { initBackend, type BackendChoice } from '../../src/ml/backend'
import { createUNet } from './unet'

function cpuNow(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

async function main(): Promise<void> {
  const choice = (process.argv[2] ?? 'wasm') as BackendChoice
  const steps = Number(process.argv[3] ?? 3)
  const report = await initBackend({ prefer: choice, env: {} })
  const backendName = tf.getBackend()
  const totals = new Map<string, { ms: number; calls: number }>()
  let depth = 0
  for (const k of tf.getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc
    tf.unregisterKernel(k.kernelName, backendName)
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        depth++
        const t0 = cpuNow()
        try {
          return inner(args)
        } finally {
          depth--
          if (depth === 0) {
            const e = totals.get(k.kernelName) ?? { ms: 0, calls: 0 }
            e.ms += cpuNow() - t0
            e.calls++
            totals.set(k.kernelName, e)
          }
        }
      }
    })
  }
  const net = createUNet()
  const opt = tf.train.adam(1e-4)
  const x = tf.randomUniform([4, 128, 128, 6], 0, 1, 'float32', 1) as tf.Tensor4D
  const y = tf.randomUniform([4, 128, 128, 3], 0, 1, 'float32', 2) as tf.Tensor4D
  const step = async (): Promise<void> => {
    const loss = opt.minimize(() => tf.losses.meanSquaredError(y, net.apply(x)) as tf.Scalar, true, net.variables)
    await loss?.data()
    loss?.dispose()
  }
  await step()
  totals.clear()
  const t0 = cpuNow()
  for (let i = 0; i < steps; i++) await step()
  const perStep = (cpuNow() - t0) / steps
  console.log(`${report.name} (${report.simd ? 'simd' : 'no simd'}, ${report.threads ?? 1} thread(s)): ${perStep.toFixed(0)} ms CPU per step`)
  for (const [name, e] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
    if (e.ms / steps < 0.5) continue
    console.log(`${name.padEnd(28)} ${(e.ms / steps).toFixed(1).padStart(7)} ms  x${e.calls / steps}`)
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
