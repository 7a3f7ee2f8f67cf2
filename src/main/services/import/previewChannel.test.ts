/** import.preview and import.start with a value mapping, through the same handler map and dispatch as every transport. */
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EventName, Events, ImportSummary, JobState } from '../../../shared/contract'
import type { ImportPreviewResult } from '../../../shared/contract/namespaces/import'
import { dispatch } from '../../app/dispatch'
import { createHandlers } from '../../app/handlers'
import { Session } from '../../app/session'
import { tempDir } from '../../test/fixtures'
import { Workspace } from '../workspace'

const DATA = resolve(__dirname, '../../../../../shared/datasets/magnetic-tile')

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function setup() {
  const { dir, cleanup } = tempDir('ds-import-channel-')
  cleanups.push(cleanup)
  Workspace.create(join(dir, 'ws')).close()
  const session = new Session()
  cleanups.unshift(() => session.close().then(() => undefined))
  await session.open(join(dir, 'ws'))
  const events: { name: EventName; payload: Events[EventName] }[] = []
  session.events.subscribe((name, payload) => events.push({ name, payload }))
  return { h: createHandlers({ session, shell: 'web', version: 'test' }), events }
}

/** The job's terminal state, from the job.state events every window gets. */
async function waitJob(events: { name: EventName; payload: Events[EventName] }[], jobId: string): Promise<JobState> {
  const end = Date.now() + 60_000
  for (;;) {
    const last = events.filter((e) => e.name === 'job.state' && (e.payload as JobState).jobId === jobId).pop()
    const state = last?.payload as JobState | undefined
    if (state && ['done', 'failed', 'cancelled'].includes(state.state)) return state
    if (Date.now() > end) throw new Error(`job ${jobId} still ${state?.state ?? 'not started'}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('import channels', () => {
  it('a preview superseded by a newer one stops with conflict; the newer one answers', async () => {
    const { h } = await setup()
    const first = dispatch(h, 'import.preview', { folder: join(DATA, 'images'), masks: join(DATA, 'masks') })
    const second = dispatch(h, 'import.preview', { folder: join(DATA, 'normal') })
    expect(await first).toMatchObject({ ok: false, error: { code: 'conflict' } })
    const res = await second
    expect(res.ok && (res.value as ImportPreviewResult).images).toBe(669)
  })

  it('refuses a value given both a class and skip', async () => {
    const { h } = await setup()
    const res = await dispatch(h, 'import.preview', { folder: DATA, masks: join(DATA, 'masks'), valueMap: [{ value: 1, to: 'a', skip: true }] })
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
  })

  it('imports with a value mapping as a job, announces the new classes, and names its batch', async () => {
    const { h, events } = await setup()
    const names = ['Blowhole', 'Break', 'Crack', 'Fray', 'Uneven']
    const started = await dispatch(h, 'import.start', {
      folder: join(DATA, 'images'),
      masks: join(DATA, 'masks'),
      valueMap: names.map((to, i) => ({ value: i + 1, to })),
      newClasses: names.map((name) => ({ name, kind: 'defect' as const })),
      view: 'D01'
    })
    expect(started.ok).toBe(true)
    const job = await waitJob(events, (started as { ok: true; value: { jobId: string } }).value.jobId)
    expect(job.state).toBe('done')
    const summary = job.result as ImportSummary
    expect(summary.imported).toBe(284)
    expect(summary.labels.createdClasses.sort()).toEqual([...names].sort())
    expect(events.some((e) => e.name === 'workspace.changed' && (e.payload as { what: string }).what === 'classes')).toBe(true)
    const batch = await dispatch(h, 'images.stats', { filter: { importId: summary.importId! } })
    expect(batch.ok && (batch.value as { total: number }).total).toBe(284)
  })
})
