/**
 * Whether a mask folder is one of our own PNG mask exports: the folder
 * above it holds our manifest.json (generator and format) listing this
 * folder's classes.txt. Such masks were drawn from polygons by the one
 * rasteriser, so they are re-imported pixel-exact (tolerance 0) without
 * being asked: simplifying them could only lose what was drawn.
 */
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { GENERATOR, MANIFEST } from '../export/staging'

export function isOwnMaskExport(folder: string): boolean {
  try {
    const doc = JSON.parse(readFileSync(join(dirname(folder), MANIFEST), 'utf8')) as { generator?: unknown; format?: unknown; files?: unknown }
    return doc.generator === GENERATOR && doc.format === 'masks' && Array.isArray(doc.files) && doc.files.includes(`${basename(folder)}/classes.txt`)
  } catch {
    // No manifest, or not JSON: someone else's masks, traced at the usual tolerance.
    return false
  }
}
