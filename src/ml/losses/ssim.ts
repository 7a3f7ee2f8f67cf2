/**
 * SSIM (thesis eq. 3-10) with an 11x11 Gaussian window (sigma 1.5),
 * C1 = 0.01^2, C2 = 0.03^2 for data in [0, 1], computed per channel and
 * averaged. Matches skimage.metrics.structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, data_range=1): skimage filters with
 * reflected borders and then crops (win-1)/2 pixels from every side before
 * averaging, so only windows fully inside the image count; here the filter
 * is a 'valid' separable convolution, which yields exactly those windows.
 *
 * Channels are moved into the batch ([B,H,W,C] -> [B*C,H,W,1]) and filtered
 * with a plain conv2d against a constant kernel, so the gradient needs only
 * Conv2DBackpropInput (present on every backend) and no depthwise kernels.
 */
import * as tf from '@tensorflow/tfjs'

export interface SsimOptions {
  /** Odd window side. Default: 2*round(3.5*sigma)+1 as skimage (11 for sigma 1.5). */
  windowSize?: number
  sigma?: number
}

const C1 = 0.01 ** 2
const C2 = 0.03 ** 2

/** Normalised 1-D Gaussian taps (scipy.ndimage's kernel). */
export function gaussianTaps(windowSize: number, sigma: number): Float32Array {
  const r = (windowSize - 1) / 2
  const taps = new Float32Array(windowSize)
  let sum = 0
  for (let i = 0; i < windowSize; i++) {
    const x = i - r
    taps[i] = Math.exp((-x * x) / (2 * sigma * sigma))
    sum += taps[i]!
  }
  for (let i = 0; i < windowSize; i++) taps[i] = taps[i]! / sum
  return taps
}

function resolveWindow(opts: SsimOptions): { win: number; sigma: number } {
  const sigma = opts.sigma ?? 1.5
  const win = opts.windowSize ?? 2 * Math.floor(3.5 * sigma + 0.5) + 1
  if (!(Number.isInteger(win) && win >= 1 && win % 2 === 1)) throw new Error(`ssim: windowSize must be an odd positive integer, got ${win}`)
  if (!(sigma > 0)) throw new Error(`ssim: sigma must be positive, got ${sigma}`)
  return { win, sigma }
}

/** Local SSIM for every full window: [B*C, H-win+1, W-win+1, 1] (batch-major, then channel). */
export function ssimMap(a: tf.Tensor4D, b: tf.Tensor4D, opts: SsimOptions = {}): tf.Tensor4D {
  const { win, sigma } = resolveWindow(opts)
  if (a.shape.join() !== b.shape.join()) throw new Error(`ssim: shapes differ: [${a.shape}] vs [${b.shape}]`)
  const [B, H, W, C] = a.shape
  if (H < win || W < win) throw new Error(`ssim: images ${H}x${W} are smaller than the ${win}x${win} window`)
  return tf.tidy(() => {
    const taps = gaussianTaps(win, sigma)
    const kx = tf.tensor4d(taps, [1, win, 1, 1])
    const ky = tf.tensor4d(taps, [win, 1, 1, 1])
    const planes = (t: tf.Tensor4D): tf.Tensor4D => tf.reshape(tf.transpose(t, [0, 3, 1, 2]), [B * C, H, W, 1])
    const blur = (t: tf.Tensor4D): tf.Tensor4D => tf.conv2d(tf.conv2d(t, kx, 1, 'valid'), ky, 1, 'valid')
    const x = planes(a)
    const y = planes(b)
    const mx = blur(x)
    const my = blur(y)
    const mxx = tf.mul(mx, mx)
    const myy = tf.mul(my, my)
    const mxy = tf.mul(mx, my)
    const vx = tf.sub(blur(tf.mul(x, x)), mxx)
    const vy = tf.sub(blur(tf.mul(y, y)), myy)
    const cxy = tf.sub(blur(tf.mul(x, y)), mxy)
    const num = tf.mul(tf.add(tf.mul(mxy, 2), C1), tf.add(tf.mul(cxy, 2), C2))
    const den = tf.mul(tf.add(tf.add(mxx, myy), C1), tf.add(tf.add(vx, vy), C2))
    return tf.div(num, den) as tf.Tensor4D
  })
}

/** Mean SSIM over the batch, the channels and all full windows (a scalar in [-1, 1]). */
export function ssim(a: tf.Tensor4D, b: tf.Tensor4D, opts: SsimOptions = {}): tf.Scalar {
  return tf.tidy(() => tf.mean(ssimMap(a, b, opts)) as tf.Scalar)
}
