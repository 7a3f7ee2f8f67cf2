/**
 * Closing a workspace while calls into it are still running: the running
 * ones finish on an open database, new ones get a typed no_workspace error,
 * and two closes at once are one close. Real workspace, real image files.
 */
import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { Envelope, Thumbnail } from '../../shared/contract'
import { handWorkspace } from '../services/export/exportFixtures'
import { tempDir } from '../test/fixtures'
import { dispatch } from './dispatch'
import { createHandlers } from './handlers'
import { Session } from './session'

const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function openHand(): Promise<{ session: Session; ids: number[]; thumbs: string }> {
  const { dir, cleanup } = tempDir('ds-session-')
  cleanups.push(cleanup)
  const { ws } = await handWorkspace(dir)
  const ids = ws.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]
  const thumbs = ws.paths.thumbs
  const wsDir = ws.dir
  ws.close()
  const session = new Session()
  cleanups.unshift(() => session.close())
  await session.open(wsDir)
  return { session, ids, thumbs }
}

describe('closing a workspace with calls in flight', () => {
  it('lets a running thumbnail request finish, then closes; a request after the click gets no_workspace', async () => {
    const { session, ids, thumbs } = await openHand()
    // No cached thumbnails: each is decoded again from its source, so the request awaits between database reads.
    rmSync(thumbs, { recursive: true, force: true })
    const handlers = createHandlers({ session, shell: 'web', version: 't' })

    const running = dispatch(handlers, 'images.thumbnails', { ids }) as Promise<Envelope<Thumbnail[]>>
    const closing = dispatch(handlers, 'workspace.close', {})
    const late = await dispatch(handlers, 'images.thumbnails', { ids })

    const answer = await running
    expect(answer).toMatchObject({ ok: true })
    expect(answer.ok && answer.value.map((t) => t.id)).toEqual(ids)
    expect(late).toMatchObject({ ok: false, error: { code: 'no_workspace' } })
    expect(await closing).toEqual({ ok: true, value: { closed: true } })
    expect(session.workspace).toBeNull()
    const after = await dispatch(handlers, 'images.thumbnails', { ids })
    expect(after).toMatchObject({ ok: false, error: { code: 'no_workspace', message: expect.stringContaining('No workspace is open') } })
  })

  it('two closes at once are one close; the workspace opens again afterwards', async () => {
    const { session } = await openHand()
    const dir = session.workspace!.dir
    const [a, b] = await Promise.all([session.close(), session.close()])
    expect([a, b]).toEqual([true, true])
    expect(await session.close()).toBe(false)
    const again = await session.open(dir)
    expect(again.db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(5)
    expect(again.dir).toBe(dir)
  })
})
