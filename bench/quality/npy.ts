/**
 * Reads the PyTorch reference's probability maps: NumPy .npy files (format
 * 1.0-3.0), little-endian float16 or float32, C order, shape (K, H, W).
 * The evaluator wants them interleaved, (y * W + x) * K + c, as the app's
 * own maps are.
 */

export interface ClassMaps {
  classes: number
  width: number
  height: number
  /** Interleaved: (y * width + x) * classes + c. */
  probs: Float32Array
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

/** IEEE 754 half -> number (exact: every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

interface Header {
  descr: string
  fortran: boolean
  shape: number[]
  dataOffset: number
}

function parseHeader(buf: Uint8Array): Header {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new Error('not a .npy file (bad magic)')
  const major = buf[6]!
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let len: number
  let start: number
  if (major === 1) {
    len = view.getUint16(8, true)
    start = 10
  } else if (major === 2 || major === 3) {
    len = view.getUint32(8, true)
    start = 12
  } else {
    throw new Error(`unsupported .npy version ${major}`)
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + len))
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1]
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1]
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1]
  if (descr === undefined || fortran === undefined || shape === undefined) throw new Error(`unreadable .npy header: ${text.trim()}`)
  return {
    descr,
    fortran: fortran === 'True',
    shape: shape
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(Number),
    dataOffset: start + len
  }
}

/** Parses a (K, H, W) float16/float32 .npy into interleaved class maps. */
export function readClassMaps(buf: Uint8Array): ClassMaps {
  const h = parseHeader(buf)
  if (h.fortran) throw new Error('.npy in Fortran order is not supported')
  if (h.shape.length !== 3 || h.shape.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`expected shape (classes, height, width), got (${h.shape.join(', ')})`)
  }
  const [K, H, W] = h.shape as [number, number, number]
  const n = K * H * W
  const bytes = h.descr === '<f2' ? 2 : h.descr === '<f4' ? 4 : 0
  if (bytes === 0) throw new Error(`unsupported dtype ${h.descr} (want little-endian float16 or float32)`)
  if (buf.length - h.dataOffset !== n * bytes) {
    throw new Error(`.npy holds ${buf.length - h.dataOffset} data bytes, shape (${K}, ${H}, ${W}) needs ${n * bytes}`)
  }
  const view = new DataView(buf.buffer, buf.byteOffset + h.dataOffset, n * bytes)
  const probs = new Float32Array(n)
  const plane = H * W
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < plane; i++) {
      const at = (c * plane + i) * bytes
      probs[i * K + c] = bytes === 2 ? halfToFloat(view.getUint16(at, true)) : view.getFloat32(at, true)
    }
  }
  return { classes: K, width: W, height: H, probs }
}
