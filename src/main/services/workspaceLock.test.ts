import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { StudioError } from '../../shared/contract'
import { Session } from '../app/session'
import { tempDir } from '../test/fixtures'
import { Workspace } from './workspace'
import { LOCK_FILE, processStartOf, readLockHolder } from './workspaceLock'

const ROOT = resolve(__dirname, '../../..')
const CLI = join(ROOT, 'src/main/cli/studio.ts')

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function tmp(): string {
  const t = tempDir('ds-lock-')
  cleanups.push(t.cleanup)
  return t.dir
}

function lockOf(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>
}

function writeLock(dir: string, fields: Record<string, unknown>): void {
  const lock = { pid: 1, host: hostname(), processStart: null, bootId: null, what: 'Defect Studio CLI `import`', since: new Date().toISOString(), token: 'x', ...fields }
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(lock))
}

function refusal(fn: () => unknown): StudioError {
  try {
    fn()
  } catch (err) {
    return err as StudioError
  }
  throw new Error('expected the open to be refused')
}

/** A process that is alive for the test, with its pid. */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
  cleanups.push(() => void child.kill('SIGKILL'))
  return child
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(r.stdout)
}

describe('the workspace lock in one process', () => {
  it('create and open take it with pid, host, start time and what; the last close removes it; read-only opens leave it alone', () => {
    const dir = join(tmp(), 'ws')
    const ws = Workspace.create(dir)
    const lock = lockOf(dir)
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() })
    expect(typeof lock.what).toBe('string')
    if (existsSync('/proc/self/stat')) expect(lock.processStart).toBe(processStartOf(process.pid))
    // A second open in the same process is the same writer: it shares the lock.
    const again = Workspace.open(dir)
    ws.close()
    expect(readLockHolder(dir)?.pid).toBe(process.pid)
    again.close()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)

    const ro = Workspace.open(dir, { readonly: true })
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
    ro.close()
    // Closing twice does not drop somebody else's share.
    const a = Workspace.open(dir)
    const b = Workspace.open(dir)
    a.close()
    a.close()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true)
    b.close()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
  })

  it('a stale lock (dead pid, or a live pid with another start time) is taken over with a note', () => {
    const dir = join(tmp(), 'ws')
    Workspace.create(dir).close()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    cleanups.push(() => warn.mockRestore())
    const dead = deadPid()
    writeLock(dir, { pid: dead })
    const ws = Workspace.open(dir)
    expect(lockOf(dir).pid).toBe(process.pid)
    expect(warn.mock.calls.flat().join('\n')).toContain(`Took over the lock on ${resolve(dir)}: its holder (pid ${dead}) is no longer running`)
    ws.close()

    if (existsSync('/proc/self/stat')) {
      const live = sleeper()
      writeLock(dir, { pid: live.pid, processStart: '1' })
      const ws2 = Workspace.open(dir)
      expect(warn.mock.calls.flat().join('\n')).toContain(`pid ${live.pid} now belongs to another process`)
      ws2.close()
    }
    writeLock(dir, { pid: 'garbage' })
    Workspace.open(dir).close()
    expect(warn.mock.calls.flat().join('\n')).toContain('it is unreadable')
  })

  it('a live holder, or one on another computer, is named and nothing is opened', () => {
    const dir = join(tmp(), 'ws')
    Workspace.create(dir).close()
    const live = sleeper()
    writeLock(dir, { pid: live.pid, processStart: processStartOf(live.pid!), since: '2026-01-02T14:02:00Z' })
    const err = refusal(() => Workspace.open(dir))
    expect(err).toBeInstanceOf(StudioError)
    expect(err.code).toBe('conflict')
    expect(err.message).toMatch(new RegExp(`^${resolve(dir)} is open in Defect Studio CLI \`import\` \\(pid ${live.pid}, since 2026-01-02 \\d\\d:\\d\\d\\); close it first\\.$`))
    // The refused open changed nothing: the holder's lock is still there.
    expect(lockOf(dir).pid).toBe(live.pid)

    writeLock(dir, { pid: deadPid(), host: 'inspection-pc-7' })
    const far = refusal(() => Workspace.open(dir))
    expect(far.message).toContain('on the computer inspection-pc-7')
    expect(far.message).toContain(`delete ${join(resolve(dir), LOCK_FILE)}`)
  })
})

/** Runs the CLI in a child process; resolves with its exit code and output. */
function cli(args: string[]): { child: ChildProcess; done: Promise<{ code: number; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  cleanups.push(() => void child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code: code ?? -1, stdout, stderr })))
  return { child, done }
}

async function untilOutput(child: ChildProcess, re: RegExp): Promise<void> {
  let seen = ''
  await new Promise<void>((res, rej) => {
    const on = (d: Buffer): void => {
      seen += d.toString()
      if (re.test(seen)) res()
    }
    child.stderr!.on('data', on)
    child.stdout!.on('data', on)
    child.on('close', () => rej(new Error(`exited before printing ${re}: ${seen}`)))
  })
}

describe('two processes, one workspace', () => {
  it('a second CLI import is refused with the first one named; the first completes; the app and `info` are refused too', async () => {
    const root = tmp()
    const frames = join(root, 'frames')
    mkdirSync(frames)
    for (let i = 0; i < 6; i++) {
      await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 20 * i, g: 90, b: 7 } } })
        .png()
        .toFile(join(frames, `f${i}_D01.png`))
    }
    const ws = join(root, 'ws')
    const first = cli(['import', frames, '--workspace', ws, '--create'])
    // The progress line comes once the workspace is open; stopping the process there keeps it
    // holding the lock for as long as the test needs, with no timing involved.
    await untilOutput(first.child, /found 6 images|import \[/)
    first.child.kill('SIGSTOP')
    try {
      const second = await cli(['import', frames, '--workspace', ws]).done
      expect(second.code).toBe(1)
      expect(second.stderr.trim()).toBe(`studio: ${ws} is open in Defect Studio CLI \`import\` (pid ${first.child.pid}, since ${hhmm(String(lockOf(ws).since))}); close it first.`)
      expect(second.stderr).not.toMatch(/Sqlite|SQLITE| {4}at /)

      const info = await cli(['info', '--workspace', ws]).done
      expect(info.code).toBe(1)
      expect(info.stderr).toContain(`is open in Defect Studio CLI \`import\` (pid ${first.child.pid}`)

      const session = new Session()
      cleanups.push(() => session.close().then(() => undefined))
      await expect(session.open(ws)).rejects.toThrow(`${ws} is open in Defect Studio CLI \`import\` (pid ${first.child.pid}`)
      expect(session.workspace).toBeNull()
    } finally {
      first.child.kill('SIGCONT')
    }
    const result = await first.done
    expect(result.stderr).not.toMatch(/Sqlite|SQLITE/)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Imported 6 of 6 images')
    // The first released the lock on exit: the folder opens, with all six frames.
    expect(existsSync(join(ws, LOCK_FILE))).toBe(false)
    const opened = Workspace.open(ws)
    expect(opened.db.prepare('SELECT count(*) FROM images').pluck().get()).toBe(6)
    opened.close()
  })
})

/** The holder's start as the message shows it (local time; the lock was taken today). */
function hhmm(iso: string): string {
  const d = new Date(iso)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}
