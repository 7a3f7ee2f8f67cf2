/**
 * Exports the workspace's frames and labels in a format other tools read
 * unchanged: COCO, PNG class masks, labelme JSON, the MVTec-AD layout.
 * previewExport says what would be written without writing; runExport writes
 * it, with progress and cancel, and leaves a manifest.json listing every file.
 * It writes into a staging folder that becomes the target only when complete
 * (staging.ts); a cancelled or failed export leaves the target as it was.
 */
import { existsSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import {
  StudioError,
  type ExportFormat,
  type ExportOptions,
  type ExportPreview,
  type ExportSummary,
  type ImportIssue
} from '../../../shared/contract'
import type { ExportRequest } from '../../../shared/contract/namespaces/export'
import { resolveInside } from '../../security/paths'
import type { Workspace } from '../workspace'
import { classMaskWriter } from './classMasks'
import { cocoWriter } from './coco'
import type { ExportContext, FormatWriter, PlannedFrame, PlannedLabel } from './context'
import { missingIds, outputNames, selectFrames, type ExportSelection } from './frames'
import { labelmeWriter } from './labelme'
import { mvtecWriter } from './mvtec'
import { checkOut, ExportWriter, GENERATOR, MANIFEST, type OutCheck } from './outDir'
import { rasterStats } from './rasterStats'
import { abandonStaging, commitStaging, openStaging, removeLeftovers, type Staging } from './staging'
import { ExportWriteError, freeSpace, WriteLayer, writeOptionsFromEnv, type WriteLayerOptions } from './writeLayer'

export interface ExportProgress {
  done: number
  total: number
  message: string
}

export interface ExportRunContext {
  signal?: AbortSignal
  onProgress?: (p: ExportProgress) => void
  /** Test hooks of the write layer (a delay per file, an injected disk error); by default read from the environment. */
  writes?: WriteLayerOptions
}

/** Whether a format copies the images unless told otherwise. */
export const COPY_IMAGES_DEFAULT: Record<ExportFormat, boolean> = { coco: false, masks: false, labelme: true, mvtec: true }

/** Bumped when manifest.json changes shape. */
export const MANIFEST_VERSION = 1

interface PlannedItem {
  planned: PlannedFrame
  files: string[]
}

interface Plan {
  preview: ExportPreview
  check: OutCheck
  selection: ExportSelection
  ctx: ExportContext
  writer: FormatWriter
  items: PlannedItem[]
  imageRoots: string[]
}

/** What an export would write; never writes. A refused output folder is reported in outProblem, not thrown. */
export function previewExport(ws: Workspace, opts: ExportRequest): ExportPreview {
  return makePlan(ws, opts).preview
}

/** Throws when the export can't start (a refused folder, a bad option); cheap, for a handler to call before starting a job. */
export function assertExportable(ws: Workspace, opts: ExportRequest): void {
  checkOptions(ws, opts)
  const check = checkOut(ws, opts.out, opts.overwrite ?? false)
  if (check.problem) throw new StudioError(check.code ?? 'forbidden', check.problem)
}

export async function runExport(ws: Workspace, opts: ExportRequest, rc: ExportRunContext = {}): Promise<ExportSummary> {
  const started = Date.now()
  const plan = makePlan(ws, opts)
  const { check, preview } = plan
  if (preview.outProblem) throw new StudioError(check.code ?? 'forbidden', preview.outProblem)
  const announced = new Set(leftoverWarnings(check))
  const warnings = [...preview.warnings.filter((w) => !announced.has(w)), ...removeLeftovers(check.dir)]
  const layer = new WriteLayer(rc.writes ?? writeOptionsFromEnv())
  let stage: Staging | null = null
  try {
    stage = await openStaging(check.dir, opts.format, layer)
    const written = await writeAll(plan, opts, rc, new ExportWriter(stage.dir, layer))
    if (written.cancelled) {
      abandonStaging(stage)
      // Nothing of a cancelled export is kept: a part of a dataset would be read as all of it.
      return { ...written.summary, files: {}, written: 0, warnings, seconds: (Date.now() - started) / 1000 }
    }
    const notes = await commitStaging(stage, check.previous, opts.format, layer)
    return { ...written.summary, warnings: [...warnings, ...notes], seconds: (Date.now() - started) / 1000 }
  } catch (err) {
    const failed = asWriteError(err, stage)
    // Measured before the partial files go, so it says what the failing write saw.
    const free = failed?.diskFull ? await freeSpace(dirname(check.dir)) : null
    const removal = stage ? removeStaging(stage) : null
    if (failed) throw new StudioError('conflict', writeFailure(failed, check, free, removal))
    throw err
  }
}

/** Removes a failed export's staging folder; the error when it could not. */
function removeStaging(stage: Staging): Error | null {
  try {
    abandonStaging(stage)
    return null
  } catch (err) {
    return err as Error
  }
}

/** A failed write, or a file-system error while moving the export into place, as one ExportWriteError; null for anything else. */
function asWriteError(err: unknown, stage: Staging | null): ExportWriteError | null {
  if (err instanceof ExportWriteError) return err
  const code = (err as NodeJS.ErrnoException | null)?.code
  if (!stage || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return null
  return new ExportWriteError(code, '', stage.target, err)
}

/** The one message of an export stopped by a write that failed. */
function writeFailure(err: ExportWriteError, check: OutCheck, free: string | null, removal: Error | null): string {
  const file = err.rel === '' ? err.full : join(check.dir, ...err.rel.split('/'))
  const what =
    err.code === 'ENOSPC' ? 'disk full' : err.code === 'EDQUOT' ? 'disk quota exceeded' : err.code === 'EIO' ? 'input/output error' : `could not write (${err.code ?? err.message})`
  const where = err.diskFull ? `: ${free === null ? 'free space unknown' : `${free} free`}` : ''
  const kept = check.previous ? `; the previous export in ${check.dir} is unchanged` : ''
  const cleaned = removal
    ? `; nothing was exported, but its partial files could not be removed (${(removal as NodeJS.ErrnoException).code ?? removal.message}): the next export into ${check.dir} removes them`
    : '; nothing was exported, the partial files were removed'
  return `${what} while writing ${file}${where}${cleaned}${kept}`
}

interface Written {
  cancelled: boolean
  summary: Omit<ExportSummary, 'seconds'>
}

/** Writes every frame, then (unless cancelled) the files covering all frames, then manifest.json last. */
async function writeAll(plan: Plan, opts: ExportRequest, rc: ExportRunContext, out: ExportWriter): Promise<Written> {
  const { preview, writer: format, ctx } = plan
  const skipped: ImportIssue[] = [...preview.skipped]
  const counts = emptyCounts()
  const manifestFrames: unknown[] = []
  const frameFiles = new Set<string>()
  const total = plan.items.length
  let cancelled = false
  rc.onProgress?.({ done: 0, total, message: `${total} frames to write` })
  for (let k = 0; k < plan.items.length; k++) {
    if (rc.signal?.aborted) {
      cancelled = true
      break
    }
    const { planned } = plan.items[k]!
    const f = planned.frame
    let files: string[]
    try {
      files = await format.write(planned, out)
    } catch (err) {
      // A failed write stops the export; a frame that can't be read is only left out.
      if (err instanceof ExportWriteError) throw err
      skipped.push({ path: f.relPath, reason: (err as Error).message })
      rc.onProgress?.({ done: k + 1, total, message: f.relPath })
      continue
    }
    for (const file of files) frameFiles.add(file)
    count(counts, planned, opts.format)
    manifestFrames.push({
      id: f.id,
      image: f.relPath,
      ...(ctx.copyImages ? {} : { imageRoot: ctx.rootIndex.get(f.rootId) }),
      view: f.view,
      split: f.split,
      status: f.status,
      labels: planned.labels.length,
      files
    })
    rc.onProgress?.({ done: k + 1, total, message: f.relPath })
  }
  if (rc.signal?.aborted) cancelled = true
  const summaryOf = (files: Record<string, number>, written: number): Omit<ExportSummary, 'seconds'> => ({
    ...preview,
    ...counts,
    files,
    skipped,
    written,
    cancelled
  })
  if (cancelled) return { cancelled, summary: summaryOf({}, 0) }
  await format.finish(out)
  const files = filesByFolder([...out.written, MANIFEST])
  const written = out.written.length + 1
  const manifest = {
    generator: GENERATOR,
    manifestVersion: MANIFEST_VERSION,
    format: opts.format,
    createdAt: new Date().toISOString(),
    workspace: ctx.workspaceName,
    filter: opts.filter ?? {},
    ...(opts.ids ? { ids: opts.ids } : {}),
    copyImages: ctx.copyImages,
    cancelled,
    counts: {
      selected: preview.selected,
      frames: counts.frames,
      labels: counts.labels,
      skipped: skipped.length,
      files: written,
      byView: counts.byView,
      bySplit: counts.bySplit,
      byClass: counts.byClass,
      byFolder: files
    },
    classes: ctx.classes.map((c) => ({ value: c.position, name: c.name, kind: c.kind, color: c.color })),
    notes: format.notes,
    ...(ctx.copyImages ? {} : { imageRoots: plan.imageRoots }),
    files: out.written.filter((f) => !frameFiles.has(f)),
    frames: manifestFrames,
    skipped
  }
  // Last: a folder with a manifest is a complete export.
  await out.write(MANIFEST, JSON.stringify(manifest, null, 2))
  return { cancelled, summary: summaryOf(files, written) }
}

function checkOptions(ws: Workspace, opts: ExportOptions): { copyImages: boolean } {
  const copyImages = opts.copyImages ?? COPY_IMAGES_DEFAULT[opts.format]
  if (opts.format === 'mvtec' && !copyImages) {
    throw new StudioError('invalid_argument', 'The MVTec layout is made of the images themselves: it always writes them (as PNG). Leave copying images on.')
  }
  const positions = new Map<number, string>()
  for (const c of ws.db.prepare('SELECT name, position FROM classes').all() as { name: string; position: number }[]) {
    const other = positions.get(c.position)
    if (other !== undefined) throw new StudioError('conflict', `Classes "${other}" and "${c.name}" share position ${c.position}; give each class its own place in the class list before exporting.`)
    if (opts.format === 'masks' && !(c.position >= 1 && c.position <= 255)) {
      throw new StudioError('invalid_argument', `Class "${c.name}" is at position ${c.position}; an 8-bit class mask holds positions 1 to 255.`)
    }
    positions.set(c.position, c.name)
  }
  return { copyImages }
}

function makeWriter(format: ExportFormat, ctx: ExportContext, outDir: string): FormatWriter {
  switch (format) {
    case 'coco':
      return cocoWriter(ctx)
    case 'masks':
      return classMaskWriter(ctx)
    case 'labelme':
      return labelmeWriter(ctx, outDir)
    case 'mvtec':
      return mvtecWriter(ctx)
  }
}

const UNLABELED_REASON = 'unlabeled: left out, since every format would read a frame without labels as free of defects'

function makePlan(ws: Workspace, opts: ExportRequest): Plan {
  const { copyImages } = checkOptions(ws, opts)
  const check = checkOut(ws, opts.out, opts.overwrite ?? false)
  const selection = selectFrames(ws, opts.filter, opts.ids)
  const rootIndex = new Map<number, number>()
  const imageRoots: string[] = []
  for (const f of selection.frames) {
    if (rootIndex.has(f.rootId)) continue
    rootIndex.set(f.rootId, imageRoots.length)
    imageRoots.push(selection.roots.get(f.rootId)!)
  }
  const ctx: ExportContext = { classes: selection.classes, copyImages, rootIndex, workspaceName: ws.info().name }
  const writer = makeWriter(opts.format, ctx, check.dir)
  const classById = new Map(selection.classes.map((c) => [c.id, c]))
  const names = outputNames(selection.frames)
  const skipped: ImportIssue[] = []
  const candidates = selection.frames.filter((f) => {
    if (f.status === 'unlabeled' && f.labels.length === 0) {
      skipped.push({ path: f.relPath, reason: UNLABELED_REASON })
      return false
    }
    return true
  })
  let scratch = new Uint8Array(0)
  const items: PlannedItem[] = []
  const counts = emptyCounts()
  const files: Record<string, number> = {}
  candidates.forEach((f, seq) => {
    const root = selection.roots.get(f.rootId)!
    const absPath = resolveInside(root, f.relPath)
    if (!absPath) {
      skipped.push({ path: f.relPath, reason: 'its stored path leaves its image root; refused' })
      return
    }
    if (!existsSync(absPath)) {
      skipped.push({ path: f.relPath, reason: `image file missing at ${absPath}` })
      return
    }
    if (scratch.length < f.width * f.height) scratch = new Uint8Array(f.width * f.height)
    const labels: PlannedLabel[] = []
    for (const l of f.labels) {
      const cls = classById.get(l.classId)!
      const stats = rasterStats(l.points, f.width, f.height, scratch)
      if (!stats.bbox) {
        skipped.push({ path: f.relPath, reason: `label ${l.id} (${cls.name}) covers no pixel centre; left out` })
        continue
      }
      labels.push({ ...l, cls, area: stats.area, bbox: stats.bbox })
    }
    const planned: PlannedFrame = { frame: f, labels, name: names.get(f.id)!, absPath, seq, count: candidates.length }
    const result = writer.plan(planned)
    if (!Array.isArray(result)) {
      skipped.push({ path: f.relPath, reason: result.skip })
      return
    }
    items.push({ planned, files: result })
    count(counts, planned, opts.format)
    for (const file of result) addFolder(files, file)
  })
  for (const file of writer.finalFiles()) addFolder(files, file)
  addFolder(files, MANIFEST)
  const gone = opts.ids ? missingIds(ws, opts.ids) : 0
  const warnings = [
    ...(gone > 0 ? [`${gone} of the selected frames are no longer in the workspace; the export writes the others`] : []),
    ...(writer.warnings?.() ?? []),
    ...leftoverWarnings(check)
  ]
  if (items.length === 0) warnings.unshift('Nothing to export: no frame of the selection can be written in this format.')
  const preview: ExportPreview = {
    format: opts.format,
    out: check.dir,
    copyImages,
    selected: selection.frames.length,
    ...counts,
    files,
    skipped,
    warnings,
    ...(check.problem ? { outProblem: check.problem } : {})
  }
  return { preview, check, selection, ctx, writer, items, imageRoots }
}

function leftoverWarnings(check: OutCheck): string[] {
  return check.leftovers.filter((l) => !l.running).map((l) => `${l.path} was left by an interrupted export into this folder; the export removes it first`)
}

interface Counts {
  frames: number
  labels: number
  byView: Record<string, number>
  bySplit: Record<string, number>
  byClass: Record<string, number>
}

function emptyCounts(): Counts {
  return { frames: 0, labels: 0, byView: {}, bySplit: {}, byClass: {} }
}

function count(c: Counts, p: PlannedFrame, format: ExportFormat): void {
  c.frames += 1
  c.byView[p.frame.view] = (c.byView[p.frame.view] ?? 0) + 1
  c.bySplit[p.frame.split] = (c.bySplit[p.frame.split] ?? 0) + 1
  for (const l of p.labels) {
    // MVTec's masks hold only the defects; every other format writes every label.
    if (format === 'mvtec' && l.cls.kind !== 'defect') continue
    c.labels += 1
    c.byClass[l.cls.name] = (c.byClass[l.cls.name] ?? 0) + 1
  }
}

function addFolder(files: Record<string, number>, rel: string): void {
  const dir = posix.dirname(rel)
  files[dir] = (files[dir] ?? 0) + 1
}

function filesByFolder(written: readonly string[]): Record<string, number> {
  const files: Record<string, number> = {}
  for (const f of written) addFolder(files, f)
  return files
}
