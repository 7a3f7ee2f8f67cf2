/** The export and import-preview channels, through the same handler map and dispatch as every transport. */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EventName, Events, ExportPreview, ExportSummary, ImportPreview } from '../../../shared/contract'
import { dispatch } from '../../app/dispatch'
import { createHandlers } from '../../app/handlers'
import { Session } from '../../app/session'
import { tempDir } from '../../test/fixtures'
import { handWorkspace } from './exportFixtures'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function setup(): Promise<{ session: Session; h: ReturnType<typeof createHandlers>; dir: string; images: string }> {
  const { dir, cleanup } = tempDir('ds-export-job-')
  cleanups.push(cleanup)
  const { ws, images } = await handWorkspace(dir)
  const wsDir = ws.dir
  ws.close()
  const session = new Session()
  cleanups.unshift(() => session.close().then(() => undefined))
  await session.open(wsDir)
  return { session, h: createHandlers({ session, shell: 'web', version: 'test' }), dir, images }
}

describe('export channels', () => {
  it('previews, then exports as a job with progress and a done state carrying the summary', async () => {
    const { session, h, dir } = await setup()
    const events: { name: EventName; payload: Events[EventName] }[] = []
    session.events.subscribe((name, payload) => events.push({ name, payload }))
    const out = join(dir, 'out')
    const preview = await dispatch(h, 'export.preview', { format: 'labelme', out, filter: { views: ['D01'] } })
    expect(preview.ok).toBe(true)
    expect(preview.ok && (preview.value as ExportPreview)).toMatchObject({ frames: 2, copyImages: true, files: { D01: 4, '.': 1 } })
    expect(existsSync(out)).toBe(false)
    const started = await dispatch(h, 'export.start', { format: 'labelme', out, filter: { views: ['D01'] } })
    expect(started.ok).toBe(true)
    const { jobId } = (started as { ok: true; value: { jobId: string } }).value
    await session.jobs.wait(jobId)
    const states = events.filter((e) => e.name === 'job.state').map((e) => e.payload as Events['job.state'])
    expect(states.map((s) => s.state)).toEqual(['running', 'done'])
    const summary = states[1]!.result as ExportSummary
    expect(summary).toMatchObject({ frames: 2, written: 5, cancelled: false })
    const progress = events.filter((e) => e.name === 'job.progress').map((e) => e.payload as Events['job.progress'])
    expect(progress.at(-1)).toMatchObject({ jobId, kind: 'export', done: 2, total: 2 })
    expect(existsSync(join(out, 'manifest.json'))).toBe(true)
  })

  it('refuses a folder it may not write before any job starts, and rejects malformed arguments', async () => {
    const { h, dir, images } = await setup()
    const intoImages = await dispatch(h, 'export.start', { format: 'coco', out: join(images, 'exp') })
    expect(intoImages).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/inside the image folder/) } })
    writeFileSync(join(dir, 'file.txt'), 'x')
    expect(await dispatch(h, 'export.start', { format: 'coco', out: join(dir, 'file.txt') })).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument', message: expect.stringMatching(/is a file/) }
    })
    expect(await dispatch(h, 'export.start', { format: 'mvtec', out: join(dir, 'm'), copyImages: false })).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument', message: expect.stringMatching(/always writes them/) }
    })
    for (const args of [
      { format: 'yolo', out: join(dir, 'x') },
      { format: 'coco' },
      { format: 'coco', out: join(dir, 'x'), extra: 1 },
      { format: 'coco', out: join(dir, 'x'), filter: { views: ['D9'] } }
    ]) {
      expect(await dispatch(h, 'export.preview', args)).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    }
  })
})

describe('import.preview channel', () => {
  it('lists the classes an import would bring and which the workspace lacks', async () => {
    const { h, dir } = await setup()
    const src = join(dir, 'images')
    writeFileSync(
      join(src, 'D01', 'a.json'),
      JSON.stringify({ shapes: [{ label: 'dent', points: [[1, 1], [5, 1], [5, 5]] }, { label: 'fold', points: [[1, 1], [9, 1], [9, 9]] }] })
    )
    const res = await dispatch(h, 'import.preview', { folder: src, labelme: true, classMap: [{ from: 'fold', to: 'edge_crack' }] })
    expect(res.ok).toBe(true)
    expect(res.ok && (res.value as ImportPreview)).toMatchObject({
      images: 5,
      labelFiles: 1,
      unknownClasses: ['dent'],
      classes: [
        { name: 'dent', labels: 1, target: 'dent', exists: false },
        { name: 'fold', labels: 1, target: 'edge_crack', exists: true }
      ]
    })
    expect(await dispatch(h, 'import.preview', { folder: src, classMap: [{ from: '', to: 'x' }] })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    expect(await dispatch(h, 'import.start', { folder: src, traceTolerance: -1 })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
  })
})
