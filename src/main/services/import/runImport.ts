import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { StudioError, type ImportOptions, type ImportSummary } from '../../../shared/contract'
import type { ImageStatus, Split, ViewOrUnassigned } from '../../../shared/domain'
import { nowIso } from '../../db/connection'
import { listClasses } from '../classes'
import { ClassResolver } from '../formats/classMap'
import { openLabelSources, scanSources } from '../formats/sources'
import { withinLabelBudget, type LabelSource, type SourceLabel } from '../formats/source'
import { isDiskFull } from '../diskWrites'
import { openImage } from '../../../shared/node/imaging/decode'
import { judgeFormat } from '../../../shared/node/imaging/sniff'
import { makeThumbnail, thumbnailPath } from '../imaging/thumbnails'
import { addLabel } from '../labels'
import type { Workspace } from '../workspace'
import { DEFAULT_GROUP_PATTERN, compileGroupPattern, groupFromPath, type GroupRule } from './group'
import { assignSplits } from './split'
import { DEFAULT_VIEW_PATTERN, compileViewPattern, viewFromPath } from './view'
import { committedBy, diskFullError, sweepTempFiles } from './diskFull'
import { walkImages } from './walk'
import { appendAll } from '../../../shared/arrays'

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

type PendingLabel = SourceLabel

interface Processed {
  rel: string
  hash: string
  width: number
  height: number
  view: ViewOrUnassigned
  status: ImageStatus
  labels: PendingLabel[]
  /** A split the label source names (MVTec's folders, a COCO split field). */
  split?: Split
}

const CHUNK = 48
const CONCURRENCY = 4

/**
 * Imports every image below a folder into the workspace. Bad files are listed
 * in the summary and skipped; images processed before a cancel are kept, so a
 * second import resumes where the first stopped (duplicates are skipped by
 * content hash).
 */
export async function importFolder(ws: Workspace, opts: ImportOptions, ctx: ImportContext = {}): Promise<ImportSummary> {
  const progress: ImportState = { summary: null, importId: null }
  try {
    return await importInto(ws, opts, ctx, progress)
  } catch (err) {
    if (!isDiskFull(err)) throw err
    // One message for the whole import, not one per file left: nothing more fits on this disk.
    sweepTempFiles(ws.paths.thumbs)
    if (progress.summary && progress.importId !== null) {
      try {
        ws.db.prepare('UPDATE imports SET summary = ? WHERE id = ?').run(JSON.stringify(progress.summary), progress.importId)
      } catch {
        // The database is on the same full disk; the frames it committed are what counts.
      }
    }
    throw diskFullError(ws.dir, committedBy(ws, progress.importId), err)
  }
}

/** What an import had done when it stopped, for the disk-full message. */
interface ImportState {
  summary: ImportSummary | null
  importId: number | null
}

async function importInto(ws: Workspace, opts: ImportOptions, ctx: ImportContext, progress: ImportState): Promise<ImportSummary> {
  const started = Date.now()
  const folder = resolve(opts.folder)
  if (!existsSync(folder)) throw new StudioError('not_found', `No folder at ${folder}`)
  if (!statSync(folder).isDirectory()) throw new StudioError('invalid_argument', `${folder} is a file, not a folder`)
  const viewRe = compileViewPattern(ws.getSetting('viewPattern', DEFAULT_VIEW_PATTERN))
  const groupRule = groupRuleOf(ws, opts)
  const author = ctx.author ?? safeUser()

  const sources = await openLabelSources(ws, folder, opts)
  const skip = [ws.dir, ...sources.flatMap((src) => src.skipDirs ?? [])]
  const walked = await walkImages(folder, { skip, ...(ctx.signal ? { signal: ctx.signal } : {}) })
  if (walked.unreadable.some((u) => u.path === '.')) {
    throw new StudioError('forbidden', `The folder ${folder} cannot be read: ${walked.unreadable[0]!.reason}`)
  }
  for (const src of sources) src.prepare?.(walked.files)
  const classes = new ClassResolver(ws, opts)
  for (const src of sources) if (src.classKinds) classes.declareKinds(src.classKinds)
  // Refusing unknown classes happens before anything is written.
  if (opts.createClasses === false) classes.check((await scanSources(sources, walked.files)).classes)

  const summary: ImportSummary = {
    folder,
    found: walked.files.length,
    imported: 0,
    duplicates: 0,
    failed: [...walked.unreadable],
    ...(walked.skipped.length ? { skipped: walked.skipped } : {}),
    labels: { imported: 0, files: 0, failed: sources.flatMap((src) => src.openIssues ?? []), createdClasses: [], dropped: 0 },
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
  progress.summary = summary
  progress.importId = importId
  summary.importId = importId
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
    // Read and hash in parallel, then decide duplicates in walk order, so the
    // copy that counts as the original never depends on timing.
    const read = await mapLimit(chunk, CONCURRENCY, (rel) => readAndHash(folder, rel, summary))
    const unique: ReadFile[] = []
    for (const r of read) {
      if (r && (seen.has(r.hash) || hashExists.get(r.hash))) summary.duplicates += 1
      else if (r) {
        seen.add(r.hash)
        unique.push(r)
        continue
      }
      done += 1
    }
    const results: Processed[] = []
    await forEachLimit(unique, CONCURRENCY, async (file) => {
      if (ctx.signal?.aborted) return
      const processed = await processOne(ws, file, { opts, viewRe, sources, seen, hashExists, summary, classes })
      if (processed) results.push(processed)
      done += 1
      ctx.onProgress?.({ done, total, message: file.rel })
    })
    // Workers finish out of order; sorting keeps split assignment independent of timing.
    results.sort((a, b) => (a.rel < b.rel ? -1 : 1))
    insertChunk(ws, results, { rootId, importId, author, forcedSplit: opts.split, classes, summary, groupRule })
  }
  if (ctx.signal?.aborted) summary.cancelled = true
  // Entries no image claimed mean little after a cancel: the rest was never looked at.
  else for (const src of sources) appendAll(summary.labels.failed, src.unmatched?.() ?? [])
  summary.seconds = (Date.now() - started) / 1000
  ws.db.prepare('UPDATE imports SET finished_at = ?, summary = ? WHERE id = ?').run(nowIso(), JSON.stringify(summary), importId)
  return summary
}

interface ProcessEnv {
  opts: ImportOptions
  viewRe: RegExp
  sources: LabelSource[]
  seen: Set<string>
  hashExists: { get(hash: string): unknown }
  summary: ImportSummary
  classes: ClassResolver
}

interface ReadFile {
  rel: string
  bytes: Buffer
  hash: string
}

async function readAndHash(folder: string, rel: string, summary: ImportSummary): Promise<ReadFile | null> {
  try {
    const bytes = await readFile(join(folder, rel))
    return { rel, bytes, hash: createHash('sha256').update(bytes).digest('hex') }
  } catch (err) {
    summary.failed.push({ path: rel, reason: `not readable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` })
    return null
  }
}

async function processOne(ws: Workspace, file: ReadFile, env: ProcessEnv): Promise<Processed | null> {
  const { summary } = env
  const { rel, bytes, hash } = file
  let width: number
  let height: number
  const notes: string[] = []
  try {
    const verdict = judgeFormat(rel, bytes)
    if (verdict.refusal) throw new Error(verdict.refusal)
    if (verdict.note) notes.push(verdict.note)
    const img = await openImage(bytes)
    width = img.width
    height = img.height
    if (img.pages > 1) notes.push(`TIFF with ${img.pages} pages: page 1 imported, pages 2-${img.pages} ignored`)
    const thumb = thumbnailPath(ws.paths.thumbs, hash)
    if (!existsSync(thumb)) await makeThumbnail(bytes, thumb)
  } catch (err) {
    if (isDiskFull(err)) throw err
    env.seen.delete(hash)
    summary.failed.push({ path: rel, reason: (err as Error).message })
    return null
  }
  for (const reason of notes) (summary.notes ??= []).push({ path: rel, reason })
  const labels: PendingLabel[] = []
  let empty = false
  let normal = false
  let failedSource = false
  let split: Split | undefined
  let sourceView: ViewOrUnassigned | undefined
  for (const source of env.sources) {
    const found = await source.labelsFor(rel, { width, height })
    if (!found) continue
    if (!found.failed) summary.labels.files += 1
    // A label file that could not be read says nothing of the frame: it must not pass for normal.
    else failedSource = true
    for (const reason of found.issues) summary.labels.failed.push({ path: found.path, reason })
    appendAll(labels, found.labels)
    if (found.empty) empty = true
    if (found.normal) normal = true
    split ??= found.split
    sourceView ??= found.view
  }
  // Labels the mapping skips say nothing of the frame: one left with none is neither labelled nor (unless the import says so) normal.
  const taken = labels.filter((l) => env.classes.target(l.className) !== null)
  summary.labels.dropped += labels.length - taken.length
  const issues: string[] = []
  const budgeted = withinLabelBudget(taken, issues)
  for (const reason of issues) summary.labels.failed.push({ path: rel, reason })
  // Labels refused whole are real defects not stored: the frame is neither normal nor labelled.
  if (budgeted === null) normal = empty = false
  const kept = budgeted ?? []
  const dropped = failedSource || budgeted === null
  const view = env.opts.view ?? sourceView ?? viewFromPath(rel, env.viewRe)
  const status: ImageStatus = normal ? 'normal' : kept.length > 0 ? 'labeled' : !dropped && (empty || env.opts.normal) ? 'normal' : 'unlabeled'
  return { rel, hash, width, height, view, status, labels: kept, ...(split ? { split } : {}) }
}

interface InsertEnv {
  rootId: number
  importId: number
  author: string
  forcedSplit: Split | undefined
  classes: ClassResolver
  summary: ImportSummary
  groupRule: GroupRule
}

/** The import's split group rule; a bad pattern refuses the import before anything is written. */
export function groupRuleOf(ws: Workspace, opts: Pick<ImportOptions, 'groupPattern'>): GroupRule {
  try {
    return compileGroupPattern(opts.groupPattern ?? ws.getSetting('splitGroupPattern', DEFAULT_GROUP_PATTERN))
  } catch (err) {
    throw new StudioError('invalid_argument', (err as Error).message)
  }
}

/** Ranks a stratum's class for deciding a group's split: defect classes by position, then anything else. */
const NOT_A_DEFECT = Number.MAX_SAFE_INTEGER

function insertChunk(ws: Workspace, all: Processed[], env: InsertEnv): void {
  if (all.length === 0) return
  const { summary } = env
  // A file at a known path with other bytes replaced that frame in place (the
  // training hash check tells the inspector to re-import it): the image keeps
  // its id, split and labels, takes the new hash and size, and goes to review
  // if it had labels or was normal, since they describe the old pixels.
  const atPath = ws.db.prepare('SELECT id, status FROM images WHERE root_id = ? AND rel_path = ?')
  const replaced = new Map<Processed, { id: number; status: ImageStatus }>()
  for (const p of all) {
    const row = atPath.get(env.rootId, p.rel) as { id: number; status: ImageStatus } | undefined
    if (row) replaced.set(p, row)
  }
  const results = all.filter((p) => !replaced.has(p))
  const positions = new Map(listClasses(ws).map((c) => [c.name.toLowerCase(), c]))
  const className = (l: PendingLabel): string => env.classes.target(l.className) ?? l.className
  const stratumOf = (p: Processed): { stratum: string; rank: number } => {
    const defects = p.labels
      .map((l) => positions.get(className(l).toLowerCase()))
      .filter((c) => c && c.kind === 'defect')
      .sort((a, b) => a!.position - b!.position)
    const cls = defects[0]?.name ?? (p.labels.length ? className(p.labels[0]!) : p.status === 'normal' ? 'normal' : 'none')
    return { stratum: `${p.view}|${cls}`, rank: defects[0]?.position ?? NOT_A_DEFECT }
  }
  const ranked = new Map(results.map((p) => [p.hash, stratumOf(p)]))
  const strata = new Map([...ranked].map(([hash, r]) => [hash, r.stratum]))
  const groups = new Map(results.map((p) => [p.hash, groupFromPath(p.rel, env.groupRule, env.importId)]))
  const countStmt = ws.db.prepare('SELECT split, count(*) AS n FROM images WHERE stratum = ? GROUP BY split')
  const given = new Map<string, Split>()
  // A split the import or the dataset names is kept as given; the rest of its group follows it.
  const givenGroups = new Map<string, Split>()
  for (const p of results) {
    const split = env.forcedSplit ?? p.split
    if (!split) continue
    given.set(p.hash, split)
    const group = groups.get(p.hash)
    if (group && !givenGroups.has(group)) givenGroups.set(group, split)
  }
  const groupSplit = ws.db.prepare('SELECT split FROM images WHERE split_group = ? ORDER BY id LIMIT 1').pluck()
  const splits = new Map([
    ...given,
    ...assignSplits(
      results
        .filter((p) => !given.has(p.hash))
        .map((p) => ({ hash: p.hash, stratum: strata.get(p.hash)!, group: groups.get(p.hash) ?? null, rank: ranked.get(p.hash)!.rank })),
      (stratum) => {
        const counts = { train: 0, val: 0, test: 0 }
        for (const r of countStmt.all(stratum) as { split: Split; n: number }[]) counts[r.split] = r.n
        return counts
      },
      (group) => (groupSplit.get(group) as Split | undefined) ?? givenGroups.get(group)
    )
  ])
  const insertImage = ws.db.prepare(
    `INSERT INTO images (root_id, rel_path, hash, width, height, view, split, status, stratum, import_id, imported_at, split_group)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const replace = ws.db.prepare('UPDATE images SET hash = ?, width = ?, height = ?, status = ?, import_id = ?, imported_at = ? WHERE id = ?')
  ws.db.transaction(() => {
    const at = nowIso()
    for (const [p, old] of replaced) {
      const status: ImageStatus = old.status === 'unlabeled' ? 'unlabeled' : 'needs-review'
      replace.run(p.hash, p.width, p.height, status, env.importId, at, old.id)
      summary.replaced = (summary.replaced ?? 0) + 1
    }
    for (const p of results) {
      const split = splits.get(p.hash)!
      const id = Number(
        insertImage.run(env.rootId, p.rel, p.hash, p.width, p.height, p.view, split, p.status, strata.get(p.hash)!, env.importId, at, groups.get(p.hash) ?? null)
          .lastInsertRowid
      )
      for (const l of p.labels) {
        const resolved = env.classes.resolve(l.className)
        if (resolved.kind === 'dropped') {
          summary.labels.dropped += 1
          continue
        }
        if (resolved.kind === 'unknown') {
          summary.labels.failed.push({ path: p.rel, reason: `class "${resolved.name}" is not in the workspace; label skipped (map it or allow new classes)` })
          continue
        }
        if (resolved.kind === 'invalid') {
          summary.labels.failed.push({ path: p.rel, reason: `${resolved.problem}; label skipped (rename it with --map old=new)` })
          continue
        }
        if (resolved.created) summary.labels.createdClasses.push(resolved.cls.name)
        addLabel(ws, { imageId: id, classId: resolved.cls.id, points: l.points, source: 'imported', author: env.author })
        summary.labels.imported += 1
      }
      summary.imported += 1
      summary.byView[p.view] = (summary.byView[p.view] ?? 0) + 1
      summary.bySplit[split] = (summary.bySplit[split] ?? 0) + 1
    }
  })()
}

function ensureRoot(ws: Workspace, folder: string): number {
  // Inside the workspace the root is stored relative to it, so the whole folder can move.
  const rel = relative(ws.dir, folder)
  const stored = !rel.startsWith('..') && !isAbsolute(rel) ? rel || '.' : folder
  const row = ws.db.prepare('SELECT id FROM image_roots WHERE path = ?').get(stored) as { id: number } | undefined
  if (row) return row.id
  return Number(ws.db.prepare('INSERT INTO image_roots (path) VALUES (?)').run(stored).lastInsertRowid)
}

/**
 * Like Promise.all over fn, at most `limit` at a time, results in input
 * order. The first failure stops the others taking new items, and is thrown
 * once every item in flight has settled, so nothing still writes after the
 * caller has moved on (or cleaned up).
 */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  let failure: { err: unknown } | null = null
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const i = next++
      try {
        out[i] = await fn(items[i]!)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure) throw (failure as { err: unknown }).err
  return out
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  await mapLimit(items, limit, fn)
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown'
  } catch {
    return 'unknown'
  }
}

