/** PNG output through sharp: RGB images from [0, 1] floats, grey masks, colour heatmaps. */
import sharp from 'sharp'
import { heatLut } from '../../shared/review/colors'
import { promises as fs } from 'node:fs'
import path from 'node:path'

async function writeRaw(file: string, data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}.png`
  // sharp would write one grey channel as sRGB (three bytes a pixel); keep grey grey.
  const img = sharp(data, { raw: { width, height, channels } })
  await (channels === 1 ? img.toColourspace('b-w') : img).png().toFile(tmp)
  await fs.rename(tmp, file)
}

/** HWC RGB floats in [0, 1] (clamped) -> 8-bit PNG. */
export async function writeRgbPng(file: string, rgb: Float32Array, width: number, height: number): Promise<void> {
  if (rgb.length !== width * height * 3) throw new Error(`writeRgbPng: expected ${width * height * 3} values, got ${rgb.length}`)
  const out = new Uint8Array(rgb.length)
  for (let i = 0; i < rgb.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, rgb[i]!)) * 255)
  await writeRaw(file, out, width, height, 3)
}

/** One byte a pixel (0/255 masks, or grey levels). */
export async function writeGreyPng(file: string, grey: Uint8Array, width: number, height: number): Promise<void> {
  if (grey.length !== width * height) throw new Error(`writeGreyPng: expected ${width * height} values, got ${grey.length}`)
  await writeRaw(file, grey, width, height, 1)
}

export async function writeHeatmapPng(file: string, values: Float32Array, width: number, height: number): Promise<void> {
  await writeRaw(file, heatmapRgb(values), width, height, 3)
}

/** Probability in [0, 1] -> RGB on the review's colour scale (src/shared/review/colors.ts), so the PNG and the app agree. */
export function heatmapRgb(values: Float32Array): Uint8Array {
  // 256-entry lookup: the frame can hold millions of pixels.
  const lut = heatLut()
  const out = new Uint8Array(values.length * 3)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    const k = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) * 3 : 0
    out[i * 3] = lut[k]!
    out[i * 3 + 1] = lut[k + 1]!
    out[i * 3 + 2] = lut[k + 2]!
  }
  return out
}
