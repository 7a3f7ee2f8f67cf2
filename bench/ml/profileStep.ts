/**
 * npx tsx bench/ml/profileStep.ts [--backend wasm|cpu] [--threads 2] [--steps 3]
 *                                 [--batch 8] [--size 128] [--base 8] [--depth 4] [--clock wall|cpu]
 *                                 [--app] [--classes 5]
 * Time per kernel of one bench U-Net training step (default: the app's CPU
 * preset widths, batch 8 at 128). Kernels called from inside other kernels
 * count towards the outer one. Wall time by default: with threads, CPU time
 * sums the pool's threads and hides what the second core bought. On a shared
 * machine use --clock cpu for single-threaded runs. --app times the app's own
 * plain U-Net (batch norm, sigmoid heads) with its default stage-2 loss and
 * optimizer instead of the bench's bare network and MSE.
 */
import * as tf from '@tensorflow/tfjs'
import { initBackend, type BackendChoice } from '../../src/ml/backend'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../src/shared/arcd/config'
import { buildBaselineUnet } from '../../src/ml/models/networks'
import { segmentationLoss } from '../../src/ml/losses/segmentation'
import { ScheduledAdam } from '../../src/ml/train/optimizer'
import { createUNet } from './unet'

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}

async function main(): Promise<void> {
  const choice = flag('backend', 'wasm') as BackendChoice
  const threads = Number(flag('threads', '1'))
  const steps = Number(flag('steps', '3'))
  const batch = Number(flag('batch', '8'))
  const size = Number(flag('size', '128'))
  const base = Number(flag('base', '8'))
  const depth = Number(flag('depth', '4'))
  const clock = flag('clock', 'wall')
  const now =
    clock === 'cpu'
      ? (): number => {
          const u = process.cpuUsage()
          return (u.user + u.system) / 1000
        }
      : (): number => performance.now()
  const report = await initBackend({ prefer: choice, env: {}, wasmThreads: threads })
  const backendName = tf.getBackend()
  const totals = new Map<string, { ms: number; calls: number }>()
  let depthNow = 0
  for (const k of tf.getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc
    tf.unregisterKernel(k.kernelName, backendName)
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        depthNow++
        const t0 = now()
        try {
          return inner(args)
        } finally {
          depthNow--
          if (depthNow === 0) {
            const e = totals.get(k.kernelName) ?? { ms: 0, calls: 0 }
            e.ms += now() - t0
            e.calls++
            totals.set(k.kernelName, e)
          }
        }
      }
    })
  }
  const app = process.argv.includes('--app')
  const classes = Number(flag('classes', '5'))
  let step: () => Promise<void>
  if (app) {
    const net = buildBaselineUnet({ ...CPU_PRESET, size, discBase: base, discDepth: depth }, classes)
    const opt = new ScheduledAdam(DEFAULT_TRAIN.lr)
    const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D
    const y = tf.cast(tf.greater(tf.randomUniform([batch, size, size, classes], 0, 1, 'float32', 2), 0.99), 'float32') as tf.Tensor4D
    const t = DEFAULT_TRAIN
    const lossOpts = { kind: t.loss, gamma: t.focalGamma, alpha: t.focalAlpha, diceWeight: t.diceWeight }
    step = async (): Promise<void> => {
      const loss = opt.step(net, () => segmentationLoss(y, net.apply(x, { training: true }) as tf.Tensor4D, lossOpts))
      await loss.data()
      loss.dispose()
    }
  } else {
    const net = createUNet({ inChannels: 6, outChannels: 3, base, depth })
    const opt = tf.train.adam(1e-4)
    const x = tf.randomUniform([batch, size, size, 6], 0, 1, 'float32', 1) as tf.Tensor4D
    const y = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 2) as tf.Tensor4D
    step = async (): Promise<void> => {
      const loss = opt.minimize(() => tf.losses.meanSquaredError(y, net.apply(x)) as tf.Scalar, true, net.variables)
      await loss?.data()
      loss?.dispose()
    }
  }
  await step()
  totals.clear()
  const t0 = now()
  for (let i = 0; i < steps; i++) await step()
  const perStep = (now() - t0) / steps
  const inKernels = [...totals.values()].reduce((a, e) => a + e.ms, 0) / steps
  console.log(
    `${report.name} (${report.simd ? 'simd' : 'no simd'}, ${report.threads ?? 1} thread(s)), ${app ? 'app ' : ''}unet-b${base}-d${depth}, batch ${batch} at ${size}: ` +
      `${perStep.toFixed(0)} ms ${clock} per step, ${inKernels.toFixed(0)} ms of it in kernels`
  )
  for (const [name, e] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
    if (e.ms / steps < 0.5) continue
    console.log(`${name.padEnd(28)} ${(e.ms / steps).toFixed(1).padStart(7)} ms  x${e.calls / steps}`)
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
