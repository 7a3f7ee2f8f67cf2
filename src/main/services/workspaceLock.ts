/**
 * One writer per workspace: `workspace.lock` in the workspace folder names
 * the process that has it open for writing. SQLite alone would let a second
 * process in and fail later in the middle of its work (an import dying on a
 * UNIQUE constraint); the lock refuses it up front, naming the holder.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, join } from 'node:path'
import { StudioError } from '../../shared/contract'

export const LOCK_FILE = 'workspace.lock'

export interface LockHolder {
  pid: number
  host: string
  /** /proc/<pid>/stat field 22 (start time in clock ticks since boot); null where /proc is missing. */
  processStart: string | null
  /** /proc/sys/kernel/random/boot_id: a pid and start time mean nothing across a reboot. */
  bootId: string | null
  /** What holds it, e.g. "Defect Studio CLI `import`". */
  what: string
  since: string
  /** Tells this holding apart from an earlier one of the same process. */
  token: string
}

/** Why an existing lock was taken over; null when the folder was free. */
export type TakeoverNote = string | null

let owner = `Defect Studio (${basename(process.argv[1] ?? process.argv0)})`

/** Names this process in the locks it takes: "Defect Studio CLI `import`", "Defect Studio dev:web". */
export function setLockOwner(what: string): void {
  owner = what
}

function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so count after the last ')'. */
export function processStartOf(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`)
  if (stat === null) return null
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields[22 - 3] ?? null
}

function bootId(): string | null {
  return readProc('/proc/sys/kernel/random/boot_id')?.trim() ?? null
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function me(): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    processStart: processStartOf(process.pid),
    bootId: bootId(),
    what: owner,
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex')
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>
    if (typeof h.pid !== 'number' || typeof h.host !== 'string' || typeof h.token !== 'string') return null
    return {
      pid: h.pid,
      host: h.host,
      processStart: h.processStart ?? null,
      bootId: h.bootId ?? null,
      what: typeof h.what === 'string' ? h.what : 'another program',
      since: typeof h.since === 'string' ? h.since : '',
      token: h.token
    }
  } catch {
    return null
  }
}

export function readLockHolder(dir: string): LockHolder | null {
  const text = readProc(join(dir, LOCK_FILE))
  return text === null ? null : parseHolder(text)
}

/**
 * Why the holder no longer holds the lock, or null while it still may. A
 * holder on another computer (a shared drive) cannot be checked from here,
 * so it counts as alive.
 */
export function staleReason(h: LockHolder): string | null {
  if (h.host !== hostname()) return null
  const boot = bootId()
  if (h.bootId && boot && h.bootId !== boot) return `its holder (pid ${h.pid}) ran before the computer restarted`
  if (!pidAlive(h.pid)) return `its holder (pid ${h.pid}) is no longer running`
  const start = processStartOf(h.pid)
  // A live pid with another start time is a new process that reused the number.
  if (h.processStart && start && h.processStart !== start) return `pid ${h.pid} now belongs to another process`
  return null
}

function when(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return 'an unknown time'
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
  return d.toDateString() === new Date().toDateString() ? hm : `${d.toISOString().slice(0, 10)} ${hm}`
}

export function heldMessage(dir: string, h: LockHolder): string {
  const where = h.host === hostname() ? '' : ` on the computer ${h.host}`
  const close =
    h.host === hostname()
      ? 'close it first'
      : `close it there first (if that computer crashed with the workspace open, delete ${join(dir, LOCK_FILE)})`
  return `${dir} is open in ${h.what}${where} (pid ${h.pid}, since ${when(h.since)}); ${close}.`
}

/** Writes the lock complete under another name and links it into place, so no reader ever sees half a lock. */
function tryCreate(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.${holder.token}.tmp`
  writeFileSync(tmp, JSON.stringify(holder) + '\n')
  try {
    linkSync(tmp, file)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    // File systems without hard links: an exclusive create is the next best thing.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err
    let fd: number
    try {
      fd = openSync(file, 'wx')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw e
    }
    try {
      writeFileSync(fd, JSON.stringify(holder) + '\n')
    } finally {
      closeSync(fd)
    }
    return true
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** tryCreate with the file system's refusals in words: a full disk or a read-only folder cannot take a writer. */
function lockCreated(file: string, holder: LockHolder): boolean {
  try {
    return tryCreate(file, holder)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new StudioError('internal', `The disk holding ${dirnameOf(file)} is full: not even its lock file fits. Free some space and open it again.`)
    }
    throw new StudioError('forbidden', `Cannot write the lock file ${file} (${code ?? (err as Error).message}); the folder must be writable to open the workspace for changes.`)
  }
}

function dirnameOf(file: string): string {
  return file.slice(0, file.length - LOCK_FILE.length - 1)
}

interface Held {
  holder: LockHolder
  count: number
}

/** Locks this process holds, by workspace folder. */
const held = new Map<string, Held>()
let exitHook = false

/**
 * Takes the folder's lock for this process, or throws a StudioError naming
 * the holder. A second open in the same process shares the lock (the app
 * re-opening the workspace it shows is one writer, not two); it is released
 * with the last close. Returns a note when a stale lock was taken over.
 */
export function acquireWorkspaceLock(dir: string): TakeoverNote {
  const mine = held.get(dir)
  if (mine) {
    mine.count += 1
    return null
  }
  const file = join(dir, LOCK_FILE)
  const holder = me()
  let note: TakeoverNote = null
  // A retry follows a stale lock's removal; another process may win that race, and then it holds.
  for (let round = 0; round < 3; round++) {
    if (lockCreated(file, holder)) {
      held.set(dir, { holder, count: 1 })
      if (!exitHook) {
        exitHook = true
        process.on('exit', releaseAllLocks)
      }
      return note
    }
    const text = readProc(file)
    if (text === null) continue
    const current = parseHolder(text)
    if (current && current.pid === process.pid && current.host === hostname() && current.processStart === holder.processStart) {
      // Ours from an earlier holding this process forgot (it cannot happen through close): take it back.
      rmSync(file, { force: true })
      continue
    }
    const why = current ? staleReason(current) : 'it is unreadable (an interrupted write)'
    if (!why) throw new StudioError('conflict', heldMessage(dir, current!))
    if (!removeIfUnchanged(file, text)) continue
    note = `Took over the lock on ${dir}: ${why}${current ? ` (it was held by ${current.what} since ${when(current.since)})` : ''}.`
  }
  const now = readLockHolder(dir)
  throw new StudioError('conflict', now ? heldMessage(dir, now) : `Could not take the lock ${file}; try again.`)
}

/**
 * Removes a stale lock only if it still holds what was judged stale: rename
 * it aside (atomic), compare, and put it back if another process had
 * replaced it with a live lock in between.
 */
function removeIfUnchanged(file: string, seen: string): boolean {
  const aside = `${file}.${process.pid}.stale`
  try {
    renameSync(file, aside)
  } catch {
    return false
  }
  const text = readProc(aside)
  if (text === seen) {
    rmSync(aside, { force: true })
    return true
  }
  try {
    linkSync(aside, file)
  } catch {
    // Someone else took it meanwhile: theirs stands.
  }
  rmSync(aside, { force: true })
  return false
}

/** Drops one holding of the folder's lock; the file goes with the last one, and only if it is still ours. */
export function releaseWorkspaceLock(dir: string): void {
  const mine = held.get(dir)
  if (!mine) return
  mine.count -= 1
  if (mine.count > 0) return
  held.delete(dir)
  removeOwn(dir, mine.holder)
}

function removeOwn(dir: string, holder: LockHolder): void {
  const file = join(dir, LOCK_FILE)
  if (readLockHolder(dir)?.token === holder.token) rmSync(file, { force: true })
}

/** On exit nothing is closed for us: remove our locks so the next open finds the folder free. */
function releaseAllLocks(): void {
  for (const [dir, h] of held) {
    try {
      removeOwn(dir, h.holder)
    } catch {
      // Exiting anyway; the next open sees a dead pid and takes over.
    }
  }
  held.clear()
}

/** Whether this process holds the folder's lock (tests, diagnostics). */
export function holdsWorkspaceLock(dir: string): boolean {
  return held.has(dir)
}
