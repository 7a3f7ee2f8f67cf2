import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { VIEWS } from '../src/shared/domain'
import { makeFrame } from '../src/main/services/demo/frames'
import { importFolder } from '../src/main/services/import/runImport'
import { Workspace } from '../src/main/services/workspace'

export interface ImportBenchRow {
  what: string
  images: number
  seconds: number
  imagesPerSec: number
}

const DATA = resolve(__dirname, '../../shared/datasets/magnetic-tile')

/** Import throughput: decode, hash, thumbnail, split and insert, end to end. */
export async function runImportBench(): Promise<ImportBenchRow[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'ds-bench-import-'))
  const rows: ImportBenchRow[] = []
  try {
    const ws = Workspace.create(join(tmp, 'ws'))
    const s = await importFolder(ws, { folder: join(DATA, 'images'), masks: join(DATA, 'masks') })
    const n = await importFolder(ws, { folder: join(DATA, 'normal') })
    const images = s.imported + n.imported
    const seconds = s.seconds + n.seconds
    rows.push({ what: 'magnetic-tile JPEGs (~300x300) + mask tracing', images, seconds, imagesPerSec: images / seconds })
    ws.close()

    // Full-size line frames, as the plant's cameras write them.
    const frames = join(tmp, 'frames')
    let k = 0
    for (const view of VIEWS) {
      mkdirSync(join(frames, view), { recursive: true })
      for (let i = 0; i < 8; i++) {
        const f = makeFrame(view, i, { width: 1440, height: 2560, seed: ++k, folds: 0, cracks: 0 })
        await sharp(f.rgb, { raw: { width: 1440, height: 2560, channels: 3 } }).jpeg({ quality: 88 }).toFile(join(frames, view, `f${i}.jpg`))
      }
    }
    const ws2 = Workspace.create(join(tmp, 'ws2'))
    const big = await importFolder(ws2, { folder: frames })
    rows.push({ what: '1440x2560 JPEG frames', images: big.imported, seconds: big.seconds, imagesPerSec: big.imported / big.seconds })
    ws2.close()
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  return rows
}
