/**
 * SIGKILL in the middle of a burst of label saves: on reopen the workspace
 * passes its integrity check and every save that was acknowledged is there.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { listClasses } from '../services/classes'
import { checkIntegrity } from '../services/integrity'
import { importFolder } from '../services/import/runImport'
import { Workspace } from '../services/workspace'
import { tempDir } from './fixtures'

const ROOT = resolve(__dirname, '..', '..', '..')
const CHILD = join(__dirname, 'crashSaveChild.ts')

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

interface Ack {
  seq: number
  imageId: number
  /** The frame's newest label_revisions row right after the save. */
  newest: number
  labels: [number, number, number[]][]
}

/** Runs the child until it has acknowledged `killAfter` saves, then SIGKILLs it; returns every ack it printed. */
function saveUntilKilled(dir: string, classId: number, imageIds: number[], killAfter: number): Promise<{ acks: Ack[]; signal: string | null }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(classId), ...imageIds.map(String)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const acks: Ack[] = []
    let buffer = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^ack (\d+) (\d+) (\d+) (.*)$/.exec(line)
        if (!m) continue
        acks.push({ seq: Number(m[1]), imageId: Number(m[2]), newest: Number(m[3]), labels: JSON.parse(m[4]!) as Ack['labels'] })
        if (acks.length >= killAfter && !killed) {
          killed = true
          child.kill('SIGKILL')
        }
      }
    })
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.once('error', fail)
    child.once('exit', (code, signal) => {
      if (!killed) fail(new Error(`save loop exited on its own (code ${code}): ${stderr}`))
      // A partial last line was never a complete ack: it does not count.
      else ok({ acks, signal })
    })
  })
}

describe('crash safety: label saves', () => {
  it('keeps every acknowledged save across SIGKILLs mid-burst, and the workspace opens', async () => {
    const { dir: tmp, cleanup } = tempDir('ds-crash-labels-')
    cleanups.push(cleanup)
    const images = join(tmp, 'images', 'D01')
    mkdirSync(images, { recursive: true })
    for (let i = 0; i < 3; i++) {
      await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 40 * i, g: 90, b: 120 } } })
        .png()
        .toFile(join(images, `f${i}.png`))
    }
    const dir = join(tmp, 'ws')
    const ws = Workspace.create(dir)
    await importFolder(ws, { folder: join(tmp, 'images') })
    const imageIds = (ws.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]).slice()
    const classId = listClasses(ws).find((c) => c.kind === 'defect')!.id
    ws.close()
    expect(imageIds).toHaveLength(3)

    let total = 0
    for (const killAfter of [25, 60, 40]) {
      const { acks, signal } = await saveUntilKilled(dir, classId, imageIds, killAfter)
      expect(signal).toBe('SIGKILL')
      expect(acks.length).toBeGreaterThanOrEqual(killAfter)
      total += acks.length
      // The kill left committed pages in the WAL, not yet in the main file: recovery has work to do.
      expect(existsSync(join(dir, 'workspace.sqlite-wal'))).toBe(true)
      expect(statSync(join(dir, 'workspace.sqlite-wal')).size).toBeGreaterThan(0)

      const reopened = Workspace.open(dir)
      try {
        expect(reopened.recovery).toBeNull()
        expect(checkIntegrity(reopened.db)).toEqual({ ok: true, problems: [] })
        const revision = reopened.db.prepare('SELECT points FROM label_revisions WHERE label_id = ? AND revision = ?').pluck()
        const current = reopened.db.prepare('SELECT revision FROM labels WHERE id = ?').pluck()
        for (const ack of acks) {
          for (const [labelId, rev, points] of ack.labels) {
            const stored = revision.get(labelId, rev) as string | undefined
            expect(stored, `save ${ack.seq}: label ${labelId} revision ${rev}`).toBeDefined()
            expect(JSON.parse(stored!)).toEqual(points)
            expect(current.get(labelId) as number).toBeGreaterThanOrEqual(rev)
          }
        }
        // The newest acked save of each frame is what the frame holds, unless a later (unacked) save committed too.
        for (const imageId of imageIds) {
          const last = acks.filter((a) => a.imageId === imageId).at(-1)
          if (!last) continue
          const live = reopened.db.prepare('SELECT id, revision FROM labels WHERE image_id = ? AND deleted_at IS NULL ORDER BY id').all(imageId) as {
            id: number
            revision: number
          }[]
          const newest = reopened.db.prepare('SELECT max(id) FROM label_revisions WHERE image_id = ?').pluck().get(imageId) as number
          expect(newest).toBeGreaterThanOrEqual(last.newest)
          if (newest === last.newest) {
            expect(live.map((l) => l.id)).toEqual(last.labels.map(([id]) => id))
            expect(live.map((l) => l.revision)).toEqual(last.labels.map(([, rev]) => rev))
          }
        }
      } finally {
        reopened.close()
      }
    }
    expect(total).toBeGreaterThanOrEqual(125)
  })
})
