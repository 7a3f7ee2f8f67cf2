/**
 * Atomic exports. An export is written into a staging folder beside its
 * target, `<target>.partial-<pid>-<random>` (same parent, so the final rename
 * stays on one file system), which carries PARTIAL_MARKER from the moment it
 * exists. manifest.json is written last, then the folder is renamed onto the
 * target. Overwriting renames the old export aside to
 * `<target>.replaced-<pid>-<random>` (marked first), renames the new one into
 * place, then deletes the old one. A kill at any moment therefore leaves the
 * target either absent, as it was, or complete; the half-written files are
 * only ever in marked siblings, which the next export into the same target
 * removes. Nothing without the marker is ever deleted, and a `.replaced-`
 * folder loses only the files its manifest lists.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync } from 'node:fs'
import { basename, dirname, join, relative, sep } from 'node:path'
import type { WriteLayer } from './writeLayer'

export const MANIFEST = 'manifest.json'
export const GENERATOR = 'defect-studio'
export const PARTIAL_MARKER = '.defect-studio-export-partial'
const PARTIAL = '.partial-'
const REPLACED = '.replaced-'

export type LeftoverKind = 'partial' | 'replaced'

interface MarkerDoc {
  generator: typeof GENERATOR
  kind: LeftoverKind
  pid: number
  /** The process's start (clock ticks since boot, Linux), so a reused pid is not taken for the exporter. */
  processStart: string | null
  startedAt: string
  format: string
  target: string
}

export interface Leftover {
  path: string
  kind: LeftoverKind
  /** Another process is still writing it: never touched. */
  running: boolean
  pid: number | null
}

/** Staging folders of this process's exports that are still being written. */
const active = new Set<string>()

export interface Staging {
  dir: string
  target: string
}

/** Creates the marked staging folder for an export into `target` (whose parent it creates). */
export async function openStaging(target: string, format: string, layer: WriteLayer): Promise<Staging> {
  const parent = dirname(target)
  await layer.mkdir(parent, '')
  const dir = `${target}${PARTIAL}${process.pid}-${randomBytes(4).toString('hex')}`
  await layer.mkdir(dir, '')
  active.add(dir)
  try {
    await writeMarker(dir, 'partial', format, target, layer)
  } catch (err) {
    abandonStaging({ dir, target })
    throw err
  }
  return { dir, target }
}

/** Removes a staging folder this process made (it carries the marker, or is empty when the marker could not be written). */
export function abandonStaging(stage: Staging): void {
  active.delete(stage.dir)
  // Gone already when it became the target.
  if (!existsSync(stage.dir)) return
  if (existsSync(join(stage.dir, PARTIAL_MARKER))) rmSync(stage.dir, { recursive: true, force: true })
  else rmdirSync(stage.dir)
}

/**
 * Moves a finished staging folder onto the target. `previous` is the list
 * of files the export already at the target wrote (null: the target is
 * absent or empty). Returns notes for the summary.
 */
export async function commitStaging(stage: Staging, previous: readonly string[] | null, format: string, layer: WriteLayer): Promise<string[]> {
  const { target } = stage
  const notes: string[] = []
  if (previous === null) {
    // An empty target folder: removed so the rename works everywhere (Windows won't rename onto a folder).
    if (existsSync(target)) rmdirSync(target)
    renameSync(stage.dir, target)
    active.delete(stage.dir)
    return tidy(notes, () => unlinkSync(join(target, PARTIAL_MARKER)))
  }
  const aside = `${target}${REPLACED}${process.pid}-${randomBytes(4).toString('hex')}`
  const marker = join(target, PARTIAL_MARKER)
  // Marked before it moves, so whatever happens next the old export is recognisably ours (it may be marked already).
  const marked = !isRealFile(marker)
  if (marked) {
    await writeMarker(target, 'replaced', format, target, layer).catch((err: unknown) => {
      tryUnlink(marker)
      throw err
    })
  }
  try {
    renameSync(target, aside)
  } catch (err) {
    if (marked) tryUnlink(marker)
    throw err
  }
  try {
    renameSync(stage.dir, target)
  } catch (err) {
    // Put the old export back: the caller removes the staging folder.
    renameSync(aside, target)
    if (marked) tryUnlink(marker)
    throw err
  }
  active.delete(stage.dir)
  return tidy(notes, () => {
    unlinkSync(marker)
    const blocked = moveUnlisted(aside, target, previous)
    removeReplaced(aside, previous)
    if (existsSync(aside)) notes.push(`kept ${aside}: it holds files of yours that the new export also has (${blocked.join(', ')})`)
  })
}

/** Tidying after the export is in place: a failure there is reported, never turned into a failed export. */
function tidy(notes: string[], work: () => void): string[] {
  try {
    work()
  } catch (err) {
    notes.push(`the export is complete, but tidying up after it failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the next export into this folder finishes it`)
  }
  return notes
}

/** The marked siblings an export into `target` left; reads only. */
export function findLeftovers(target: string): Leftover[] {
  const parent = dirname(target)
  const base = basename(target)
  let names: string[]
  try {
    names = readdirSync(parent)
  } catch {
    return []
  }
  const out: Leftover[] = []
  for (const name of names) {
    const kind = name.startsWith(base + PARTIAL) ? 'partial' : name.startsWith(base + REPLACED) ? 'replaced' : null
    if (!kind) continue
    const path = join(parent, name)
    if (!isRealDir(path) || !isRealFile(join(path, PARTIAL_MARKER))) continue
    const marker = readMarker(path)
    out.push({ path, kind, pid: marker?.pid ?? null, running: marker ? isRunning(path, marker) : false })
  }
  return out
}

/** Removes what interrupted exports into `target` left (never a running one's); returns what it removed or kept, for the summary. */
export function removeLeftovers(target: string): string[] {
  const notes: string[] = []
  for (const l of findLeftovers(target)) {
    if (l.running) continue
    try {
      if (l.kind === 'partial') {
        // Everything in a staging folder was written by the export that made it.
        rmSync(l.path, { recursive: true, force: true })
        notes.push(`removed ${l.path}, left by an interrupted export`)
        continue
      }
      removeReplaced(l.path, listedFiles(l.path) ?? [])
      notes.push(existsSync(l.path) ? `kept ${l.path}: an interrupted overwrite left files of yours there` : `removed ${l.path}, the export an interrupted overwrite replaced`)
    } catch (err) {
      // It sits beside the target, not in it: the export goes on, and says so.
      notes.push(`kept ${l.path}, left by an interrupted export: it could not be removed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }
  return notes
}

/** The files a manifest.json in `dir` lists (itself included), or null without a manifest of ours. */
export function listedFiles(dir: string): string[] | null {
  try {
    const doc = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { generator?: unknown; files?: unknown; frames?: unknown }
    if (doc.generator !== GENERATOR) return null
    const files = new Set<string>([MANIFEST])
    if (Array.isArray(doc.files)) for (const f of doc.files) if (typeof f === 'string') files.add(f)
    if (Array.isArray(doc.frames)) {
      for (const fr of doc.frames as { files?: unknown }[]) {
        if (Array.isArray(fr?.files)) for (const f of fr.files) if (typeof f === 'string') files.add(f)
      }
    }
    return [...files]
  } catch {
    return null
  }
}

/** Every file below `dir`, relative and '/'-separated, without following links. */
export function allFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name)
      if (e.isDirectory()) walk(full)
      else out.push(relative(dir, full).split(sep).join('/'))
    }
  }
  walk(dir)
  return out
}

/** Deletes the listed files of a replaced export, its marker, then the folders that leaves empty. */
function removeReplaced(dir: string, listed: readonly string[]): void {
  const dirs = new Set<string>()
  for (const rel of [...listed, PARTIAL_MARKER]) {
    const full = inside(dir, rel)
    if (!full) continue
    if (!isRealFile(full) && !isLink(full)) continue
    unlinkSync(full)
    for (let d = dirname(full); d !== dir && d.startsWith(dir + sep); d = dirname(d)) dirs.add(d)
  }
  // Deepest first, so a parent sees its emptied children gone.
  for (const d of [...dirs, dir].sort((a, b) => b.length - a.length)) {
    try {
      if (readdirSync(d).length === 0) rmdirSync(d)
    } catch {
      // Someone else's file in there: the folder stays.
    }
  }
}

/** Moves the files of the old export that its manifest does not list (the user's own) into the new one; returns those it could not move. */
function moveUnlisted(aside: string, target: string, listed: readonly string[]): string[] {
  const ours = new Set([...listed, PARTIAL_MARKER])
  const blocked: string[] = []
  for (const rel of allFiles(aside)) {
    if (ours.has(rel)) continue
    const to = join(target, ...rel.split('/'))
    if (existsSync(to) || isLink(to)) {
      blocked.push(rel)
      continue
    }
    if (!mkdirBelow(target, dirname(to))) {
      blocked.push(rel)
      continue
    }
    renameSync(join(aside, ...rel.split('/')), to)
  }
  return blocked
}

/** Creates `dir` below `root` one level at a time, refusing to pass through anything but a real folder. */
function mkdirBelow(root: string, dir: string): boolean {
  let d = root
  for (const p of relative(root, dir).split(sep)) {
    d = join(d, p)
    if (!existsSync(d) && !isLink(d)) mkdirSync(d)
    else if (!isRealDir(d)) return false
  }
  return true
}

async function writeMarker(dir: string, kind: LeftoverKind, format: string, target: string, layer: WriteLayer): Promise<void> {
  const doc: MarkerDoc = {
    generator: GENERATOR,
    kind,
    pid: process.pid,
    processStart: processStart(process.pid),
    startedAt: new Date().toISOString(),
    format,
    target
  }
  await layer.write(join(dir, PARTIAL_MARKER), '', JSON.stringify(doc, null, 2) + '\n')
}

function readMarker(dir: string): MarkerDoc | null {
  try {
    const doc = JSON.parse(readFileSync(join(dir, PARTIAL_MARKER), 'utf8')) as Partial<MarkerDoc>
    return typeof doc.pid === 'number' ? (doc as MarkerDoc) : null
  } catch {
    // A marker cut short by a kill: still ours, and its writer is gone.
    return null
  }
}

/** Whether the export that wrote a marker may still be running. */
function isRunning(dir: string, m: MarkerDoc): boolean {
  if (m.pid === process.pid) return active.has(dir)
  try {
    process.kill(m.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const start = processStart(m.pid)
  return start === null || m.processStart === null || start === m.processStart
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null off Linux. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

function inside(dir: string, rel: string): string | null {
  const parts = rel.split(/[\\/]/).filter((p) => p !== '' && p !== '.')
  if (rel.includes('\0') || parts.length === 0 || parts.includes('..')) return null
  return join(dir, ...parts)
}

function isRealDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory()
  } catch {
    return false
  }
}

function isRealFile(p: string): boolean {
  try {
    return lstatSync(p).isFile()
  } catch {
    return false
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}

function tryUnlink(p: string): void {
  try {
    unlinkSync(p)
  } catch {
    // Already gone.
  }
}
