// Renders build/icon.svg into the icons electron-builder wants, with sharp
// (nothing downloaded): build/icons/<n>x<n>.png for Linux, build/icon.png,
// and build/icon.ico (PNG-compressed entries, as Windows Vista+ reads them).
//   node build/make-icons.mjs
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

const HERE = dirname(fileURLToPath(import.meta.url))
const svg = readFileSync(join(HERE, 'icon.svg'))
export const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512]
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]

const render = (size) => sharp(svg, { density: Math.ceil((72 * size) / 512) * 2 }).resize(size, size).png({ compressionLevel: 9 }).toBuffer()

/** An ICO container around PNG images: 6-byte header, a 16-byte entry per image, then the PNGs. */
export function ico(images) {
  const header = Buffer.alloc(6)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2) // 1 = icon
  header.writeUInt16LE(images.length, 4)
  let offset = 6 + 16 * images.length
  const entries = images.map(({ size, png }) => {
    const e = Buffer.alloc(16)
    e[0] = size >= 256 ? 0 : size // 0 means 256
    e[1] = size >= 256 ? 0 : size
    e.writeUInt16LE(1, 4) // colour planes
    e.writeUInt16LE(32, 6) // bits per pixel
    e.writeUInt32LE(png.length, 8)
    e.writeUInt32LE(offset, 12)
    offset += png.length
    return e
  })
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)])
}

mkdirSync(join(HERE, 'icons'), { recursive: true })
for (const size of LINUX_SIZES) writeFileSync(join(HERE, 'icons', `${size}x${size}.png`), await render(size))
writeFileSync(join(HERE, 'icon.png'), await render(512))
writeFileSync(join(HERE, 'icon.ico'), ico(await Promise.all(ICO_SIZES.map(async (size) => ({ size, png: await render(size) })))))
process.stdout.write(`icons written to ${HERE}\n`)
