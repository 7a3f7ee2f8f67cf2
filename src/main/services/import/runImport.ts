import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { extname, isAbsolute, join, relative, resolve } from 'node:path'
import { StudioError, type ImportOptions, type ImportSummary } from '../../../shared/contract'
import { clipToFrame, isValidPolygon } from '../../../shared/geometry/polygon'
import { traceMask } from '../../../shared/geometry/trace'
import type { ImageStatus, Split, ViewOrUnassigned } from '../../../shared/domain'
import { nowIso } from '../../db/connection'
import { ensureClass, listClasses } from '../classes'
import { openImage } from '../imaging/decode'
import { readClassMask } from '../imaging/maskPng'
import { makeThumbnail, thumbnailPath } from '../imaging/thumbnails'
import { addLabel } from '../labels'
import type { Workspace } from '../workspace'
import { parseLabelme } from './labelme'
import { findMask, indexMasks, readClassesTxt, type MaskIndex } from './masks'
import { assignSplits } from './split'
import { DEFAULT_VIEW_PATTERN, compileViewPattern, viewFromPath } from './view'
import { walkImages } from './walk'

export interface ImportProgress {
  done: number
  total: number
  message: string
}

export interface ImportContext {
  signal?: AbortSignal
  onProgress?: (p: ImportProgress) => void
  author?: string
}

interface PendingLabel {
  className: string
  points: number[]
}

interface Processed {
  rel: string
  hash: string
  width: number
  height: number
  view: ViewOrUnassigned
  status: ImageStatus
  labels: PendingLabel[]
}

const CHUNK = 48
const CONCURRENCY = 4
/** Traced contours stay within this many pixels of the mask's outline. */
const TRACE_TOLERANCE = 1

/**
 * Imports every image below a folder into the workspace. Bad files are listed
 * in the summary and skipped; images processed before a cancel are kept, so a
 * second import resumes where the first stopped (duplicates are skipped by
 * content hash).
 */
export async function importFolder(ws: Workspace, opts: ImportOptions, ctx: ImportContext = {}): Promise<ImportSummary> {
  const started = Date.now()
  const folder = resolve(opts.folder)
  if (!existsSync(folder)) throw new StudioError('not_found', `No folder at ${folder}`)
  if (!statSync(folder).isDirectory()) throw new StudioError('invalid_argument', `${folder} is a file, not a folder`)
  const viewRe = compileViewPattern(ws.getSetting('viewPattern', DEFAULT_VIEW_PATTERN))
  const author = ctx.author ?? safeUser()

  const walked = await walkImages(folder, { skip: [ws.dir], ...(ctx.signal ? { signal: ctx.signal } : {}) })
  if (walked.unreadable.some((u) => u.path === '.')) {
    throw new StudioError('forbidden', `The folder ${folder} cannot be read: ${walked.unreadable[0]!.reason}`)
  }
  let masks: MaskIndex | null = null
  let maskNames: (value: number) => string = (v) => `class_${v}`
  if (opts.masks) {
    const maskFolder = resolve(opts.masks)
    if (!existsSync(maskFolder) || !statSync(maskFolder).isDirectory()) {
      throw new StudioError('not_found', `No mask folder at ${maskFolder}`)
    }
    try {
      masks = await indexMasks(maskFolder)
    } catch (err) {
      throw new StudioError('forbidden', (err as Error).message)
    }
    maskNames = maskClassNamer(ws, readClassesTxt(maskFolder), opts.maskClasses)
  }

  const summary: ImportSummary = {
    folder,
    found: walked.files.length,
    imported: 0,
    duplicates: 0,
    failed: [...walked.unreadable],
    labels: { imported: 0, files: 0, failed: [], createdClasses: [] },
    byView: {},
    bySplit: {},
    cancelled: false,
    seconds: 0
  }
  const rootId = ensureRoot(ws, folder)
  const importId = Number(
    ws.db
      .prepare('INSERT INTO imports (folder, options, started_at) VALUES (?, ?, ?)')
      .run(folder, JSON.stringify(opts), nowIso()).lastInsertRowid
  )
  const hashExists = ws.db.prepare('SELECT 1 FROM images WHERE hash = ?').pluck()
  const seen = new Set<string>()
  const total = walked.files.length
  let done = 0
  ctx.onProgress?.({ done, total, message: `found ${total} images` })

  for (let start = 0; start < total; start += CHUNK) {
    if (ctx.signal?.aborted) {
      summary.cancelled = true
      break
    }
    const chunk = walked.files.slice(start, start + CHUNK)
    const results: Processed[] = []
    await forEachLimit(chunk, CONCURRENCY, async (rel) => {
      if (ctx.signal?.aborted) return
      const processed = await processOne(ws, folder, rel, { opts, viewRe, masks, seen, hashExists, summary })
      if (processed) results.push(processed)
      done += 1
      ctx.onProgress?.({ done, total, message: rel })
    })
    // Workers finish out of order; sorting keeps split assignment independent of timing.
    results.sort((a, b) => (a.rel < b.rel ? -1 : 1))
    insertChunk(ws, results, { rootId, importId, author, forcedSplit: opts.split, maskNames, summary })
  }
  if (ctx.signal?.aborted) summary.cancelled = true
  summary.seconds = (Date.now() - started) / 1000
  ws.db.prepare('UPDATE imports SET finished_at = ?, summary = ? WHERE id = ?').run(nowIso(), JSON.stringify(summary), importId)
  return summary
}

interface ProcessEnv {
  opts: ImportOptions
  viewRe: RegExp
  masks: MaskIndex | null
  seen: Set<string>
  hashExists: { get(hash: string): unknown }
  summary: ImportSummary
}

async function processOne(ws: Workspace, folder: string, rel: string, env: ProcessEnv): Promise<Processed | null> {
  const { summary } = env
  const file = join(folder, rel)
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (err) {
    summary.failed.push({ path: rel, reason: `not readable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` })
    return null
  }
  const hash = createHash('sha256').update(bytes).digest('hex')
  if (env.seen.has(hash) || env.hashExists.get(hash)) {
    summary.duplicates += 1
    return null
  }
  env.seen.add(hash)
  let width: number
  let height: number
  try {
    const img = await openImage(bytes)
    width = img.width
    height = img.height
    const thumb = thumbnailPath(ws.paths.thumbs, hash)
    if (!existsSync(thumb)) await makeThumbnail(bytes, thumb)
  } catch (err) {
    env.seen.delete(hash)
    summary.failed.push({ path: rel, reason: (err as Error).message })
    return null
  }
  const view = env.opts.view ?? viewFromPath(rel, env.viewRe)
  const labels: PendingLabel[] = []
  let emptyMask = false
  if (env.masks) {
    const maskFile = findMask(env.masks, rel)
    if (maskFile) {
      try {
        const traced = await traceMaskFile(maskFile, width, height)
        labels.push(...traced)
        emptyMask = traced.length === 0
        summary.labels.files += 1
      } catch (err) {
        summary.labels.failed.push({ path: relative(env.masks.folder, maskFile), reason: (err as Error).message })
      }
    }
  }
  if (env.opts.labelme) {
    const jsonFile = join(folder, rel.slice(0, rel.length - extname(rel).length) + '.json')
    if (existsSync(jsonFile)) {
      const read = await readLabelmeFile(jsonFile, width, height)
      summary.labels.files += 1
      labels.push(...read.labels)
      for (const reason of read.issues) summary.labels.failed.push({ path: relative(folder, jsonFile), reason })
    }
  }
  const status: ImageStatus = labels.length > 0 ? 'labeled' : emptyMask || env.opts.normal ? 'normal' : 'unlabeled'
  return { rel, hash, width, height, view, status, labels }
}

async function traceMaskFile(maskFile: string, width: number, height: number): Promise<PendingLabel[]> {
  const mask = await readClassMask(await readFile(maskFile))
  if (mask.width !== width || mask.height !== height) {
    throw new Error(`mask is ${mask.width}x${mask.height} but its image is ${width}x${height}`)
  }
  const out: PendingLabel[] = []
  for (const [value, polys] of traceMask(mask.data, width, height, { tolerance: TRACE_TOLERANCE })) {
    for (const points of polys) out.push({ className: `#${value}`, points: [...points] })
  }
  return out
}

async function readLabelmeFile(file: string, width: number, height: number): Promise<{ labels: PendingLabel[]; issues: string[] }> {
  const issues: string[] = []
  let parsed
  try {
    parsed = parseLabelme(await readFile(file, 'utf8'))
  } catch (err) {
    return { labels: [], issues: [(err as Error).message] }
  }
  issues.push(...parsed.skipped)
  if (parsed.imageWidth !== undefined && parsed.imageHeight !== undefined && (parsed.imageWidth !== width || parsed.imageHeight !== height)) {
    issues.push(`labelme says the image is ${parsed.imageWidth}x${parsed.imageHeight}, the file is ${width}x${height}; points kept as they are`)
  }
  const labels: PendingLabel[] = []
  for (const shape of parsed.shapes) {
    const clipped = clipToFrame(shape.points, width, height)
    if (clipped.clipped) issues.push(`${shape.label}: points outside the ${width}x${height} frame were clipped`)
    if (!isValidPolygon(clipped.polygon)) {
      issues.push(`${shape.label}: nothing left inside the frame`)
      continue
    }
    labels.push({ className: shape.label, points: clipped.polygon })
  }
  return { labels, issues }
}

interface InsertEnv {
  rootId: number
  importId: number
  author: string
  forcedSplit: Split | undefined
  maskNames: (value: number) => string
  summary: ImportSummary
}

function insertChunk(ws: Workspace, results: Processed[], env: InsertEnv): void {
  if (results.length === 0) return
  const { summary } = env
  const positions = new Map(listClasses(ws).map((c) => [c.name.toLowerCase(), c]))
  const className = (l: PendingLabel): string => (l.className.startsWith('#') ? env.maskNames(Number(l.className.slice(1))) : l.className)
  const stratumOf = (p: Processed): string => {
    const defects = p.labels
      .map((l) => positions.get(className(l).toLowerCase()))
      .filter((c) => c && c.kind === 'defect')
      .sort((a, b) => a!.position - b!.position)
    const cls = defects[0]?.name ?? (p.labels.length ? className(p.labels[0]!) : p.status === 'normal' ? 'normal' : 'none')
    return `${p.view}|${cls}`
  }
  const strata = new Map(results.map((p) => [p.hash, stratumOf(p)]))
  const countStmt = ws.db.prepare('SELECT split, count(*) AS n FROM images WHERE stratum = ? GROUP BY split')
  const splits = env.forcedSplit
    ? new Map(results.map((p) => [p.hash, env.forcedSplit!]))
    : assignSplits(
        results.map((p) => ({ hash: p.hash, stratum: strata.get(p.hash)! })),
        (stratum) => {
          const counts = { train: 0, val: 0, test: 0 }
          for (const r of countStmt.all(stratum) as { split: Split; n: number }[]) counts[r.split] = r.n
          return counts
        }
      )
  const insertImage = ws.db.prepare(
    `INSERT INTO images (root_id, rel_path, hash, width, height, view, split, status, stratum, import_id, imported_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  ws.db.transaction(() => {
    const at = nowIso()
    for (const p of results) {
      const split = splits.get(p.hash)!
      const id = Number(
        insertImage.run(env.rootId, p.rel, p.hash, p.width, p.height, p.view, split, p.status, strata.get(p.hash)!, env.importId, at)
          .lastInsertRowid
      )
      for (const l of p.labels) {
        const { cls, created } = ensureClass(ws, className(l))
        if (created) summary.labels.createdClasses.push(cls.name)
        addLabel(ws, { imageId: id, classId: cls.id, points: l.points, source: 'imported', author: env.author })
        summary.labels.imported += 1
      }
      summary.imported += 1
      summary.byView[p.view] = (summary.byView[p.view] ?? 0) + 1
      summary.bySplit[split] = (summary.bySplit[split] ?? 0) + 1
    }
  })()
}

/** Mask value -> class name: classes.txt, then the names given, then the workspace's class order. */
function maskClassNamer(ws: Workspace, classesTxt: string[] | null, given: string[] | undefined): (value: number) => string {
  const byPosition = new Map(listClasses(ws).map((c) => [c.position, c.name]))
  return (value) => classesTxt?.[value] || given?.[value - 1] || byPosition.get(value) || `class_${value}`
}

function ensureRoot(ws: Workspace, folder: string): number {
  // Inside the workspace the root is stored relative to it, so the whole folder can move.
  const rel = relative(ws.dir, folder)
  const stored = !rel.startsWith('..') && !isAbsolute(rel) ? rel || '.' : folder
  const row = ws.db.prepare('SELECT id FROM image_roots WHERE path = ?').get(stored) as { id: number } | undefined
  if (row) return row.id
  return Number(ws.db.prepare('INSERT INTO image_roots (path) VALUES (?)').run(stored).lastInsertRowid)
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!
      await fn(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown'
  } catch {
    return 'unknown'
  }
}

