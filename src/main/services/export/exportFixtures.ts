/**
 * Workspaces for the export and format tests: a hand-made one whose every
 * label is known (overlaps, a region, a sliver, an EXIF-rotated frame), and
 * the demo generator's at a small size. Test support only.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { ImageStatus, Split } from '../../../shared/domain'
import { listClasses } from '../classes'
import { createDemoWorkspace } from '../demo/demoWorkspace'
import { importFolder } from '../import/runImport'
import { addLabel } from '../labels'
import { Workspace } from '../workspace'
import { allFiles } from './staging'

export const HAND_W = 60
export const HAND_H = 40

/** Labels of the hand-made workspace, by frame path: [class name, points]. */
export const HAND_LABELS: Record<string, [string, number[]][]> = {
  // A fold with an edge crack inside it, both on the lathe bed.
  'D01/a.png': [
    ['lathe', [0, 0, 20, 0, 20, 40, 0, 40]],
    ['fold', [5.5, 5.5, 40.5, 5.5, 40.5, 30.5, 5.5, 30.5]],
    ['edge_crack', [10, 10, 18, 12, 14, 20]]
  ],
  // Only the lathe: marked normal.
  'D01/b.png': [['lathe', [0, 0, 15, 0, 15, 40, 0, 40]]],
  // No labels, status unlabeled: left out of every export.
  'D02/c.png': [],
  // A fold partly off-centre (non-integer vertices) and a sliver that covers no pixel centre.
  'D02/d.png': [
    ['fold', [30.2, 3.7, 55.9, 10.1, 48.3, 33.3, 33.1, 25.8]],
    ['fold', [10, 10.1, 10.3, 10.1, 10.1, 10.3]]
  ],
  // Stored 40 wide x 60 high with EXIF orientation 6: shown (and labelled) 60 x 40.
  'D03/e.jpg': [['edge_crack', [2.5, 2.5, 12.5, 3.5, 7.5, 9.5]]]
}

export const HAND_STATUS: Record<string, ImageStatus> = {
  'D01/a.png': 'labeled',
  'D01/b.png': 'normal',
  'D02/c.png': 'unlabeled',
  'D02/d.png': 'labeled',
  'D03/e.jpg': 'labeled'
}

export const HAND_SPLIT: Record<string, Split> = {
  'D01/a.png': 'train',
  'D01/b.png': 'train',
  'D02/c.png': 'val',
  'D02/d.png': 'test',
  'D03/e.jpg': 'val'
}

/** A distinct image per seed. */
function pixels(width: number, height: number, seed: number): Buffer {
  const raw = Buffer.alloc(width * height * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + seed * 131) & 255
  return raw
}

export async function handWorkspace(dir: string): Promise<{ ws: Workspace; images: string }> {
  const images = join(dir, 'images')
  let seed = 1
  for (const rel of Object.keys(HAND_LABELS)) {
    mkdirSync(join(images, rel, '..'), { recursive: true })
    if (rel.endsWith('.jpg')) {
      const img = sharp(pixels(HAND_H, HAND_W, seed++), { raw: { width: HAND_H, height: HAND_W, channels: 3 } })
      writeFileSync(join(images, rel), await img.jpeg().withMetadata({ orientation: 6 }).toBuffer())
    } else {
      writeFileSync(join(images, rel), await sharp(pixels(HAND_W, HAND_H, seed++), { raw: { width: HAND_W, height: HAND_H, channels: 3 } }).png().toBuffer())
    }
  }
  const ws = Workspace.create(join(dir, 'ws'), { name: 'Hand-made' })
  const summary = await importFolder(ws, { folder: images }, { author: 'test' })
  if (summary.imported !== Object.keys(HAND_LABELS).length) throw new Error(`hand workspace: imported ${summary.imported}`)
  const classes = new Map(listClasses(ws).map((c) => [c.name, c.id]))
  const idOf = ws.db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck()
  ws.db.transaction(() => {
    for (const [rel, labels] of Object.entries(HAND_LABELS)) {
      const imageId = idOf.get(rel) as number
      for (const [name, points] of labels) addLabel(ws, { imageId, classId: classes.get(name)!, points, source: 'manual', author: 'test' })
      ws.db.prepare('UPDATE images SET status = ?, split = ? WHERE id = ?').run(HAND_STATUS[rel], HAND_SPLIT[rel], imageId)
    }
  })()
  return { ws, images }
}

/**
 * The demo generator's workspace at 180x320, with splits spread over
 * train, val and test (the generator's own strata are too small to reach
 * them all at this size).
 */
export async function demoWorkspace(dir: string, framesPerView = 4): Promise<Workspace> {
  const { workspace } = await createDemoWorkspace(join(dir, 'demo'), { framesPerView, width: 180, height: 320, seed: 11, defectRate: 0.6 })
  const ids = workspace.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]
  const order: Split[] = ['train', 'test', 'train', 'val']
  const set = workspace.db.prepare('UPDATE images SET split = ? WHERE id = ?')
  workspace.db.transaction(() => ids.forEach((id, k) => set.run(order[k % order.length], id)))()
  return workspace
}

/**
 * sha256 of every file below an export folder, by relative path. The two
 * timestamps an export writes (manifest createdAt, COCO date_created) are
 * blanked first, so two exports of the same labels compare equal.
 */
export function exportDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rel of allFiles(dir).sort()) {
    let bytes: Buffer | string = readFileSync(join(dir, ...rel.split('/')))
    if (rel === 'manifest.json' || rel === 'annotations.json') {
      const doc = JSON.parse(bytes.toString('utf8')) as { createdAt?: string; info?: { date_created?: string } }
      if (doc.createdAt) doc.createdAt = '-'
      if (doc.info?.date_created) doc.info.date_created = '-'
      bytes = JSON.stringify(doc)
    }
    out[rel] = createHash('sha256').update(bytes).digest('hex')
  }
  return out
}

/** What a failed export must leave alone: every label and frame row, and the database's own check. */
export function storedState(ws: Workspace): { integrity: unknown; labels: unknown[]; images: unknown[] } {
  return {
    integrity: ws.db.pragma('integrity_check', { simple: true }),
    labels: ws.db.prepare('SELECT * FROM labels ORDER BY id').all(),
    images: ws.db.prepare('SELECT * FROM images ORDER BY id').all()
  }
}
