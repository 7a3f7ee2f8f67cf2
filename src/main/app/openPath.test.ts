/** app.openPath: only a folder the caller may name, only a folder, and a plain answer where no file manager exists. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { grantedFoldersOnly } from '../security/folderPolicy'
import { tempDir } from '../test/fixtures'
import { dispatch } from './dispatch'
import { createHandlers, type HandlerDeps } from './handlers'
import { Session } from './session'

const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function setup(more: Partial<HandlerDeps> = {}): { h: ReturnType<typeof createHandlers>; dir: string } {
  const { dir, cleanup } = tempDir('ds-open-path-')
  cleanups.push(cleanup)
  const session = new Session()
  cleanups.unshift(() => session.close())
  return { h: createHandlers({ session, shell: 'web', version: 'test', ...more }), dir }
}

describe('app.openPath', () => {
  it('says it is not available where there is no file manager (the web transport), with the absolute path to copy', async () => {
    const { h, dir } = setup()
    const out = join(dir, 'export')
    mkdirSync(out)
    const res = await dispatch(h, 'app.openPath', { path: out })
    expect(res).toEqual({ ok: true, value: { opened: false, path: out, message: expect.stringMatching(/not available in the browser/) } })
  })

  it('hands an existing folder to the shell and reports what the shell said', async () => {
    const asked: string[] = []
    let answer = ''
    const { h, dir } = setup({
      openPath: async (d) => {
        asked.push(d)
        return answer
      }
    })
    expect(await dispatch(h, 'app.openPath', { path: dir })).toEqual({ ok: true, value: { opened: true, path: dir } })
    answer = 'no application is associated'
    expect(await dispatch(h, 'app.openPath', { path: dir })).toMatchObject({
      ok: true,
      value: { opened: false, message: 'The file manager could not open it: no application is associated' }
    })
    expect(asked).toEqual([dir, dir])
  })

  it('refuses a file, a missing folder and (in the app) a folder the user never picked, without asking the shell', async () => {
    const asked: string[] = []
    const { dir, cleanup } = tempDir('ds-open-path-')
    cleanups.push(cleanup)
    const folders = grantedFoldersOnly()
    const picked = join(dir, 'picked')
    mkdirSync(picked)
    folders.grant(picked)
    const { h } = setup({ folders, openPath: async (d) => (asked.push(d), '') })
    writeFileSync(join(picked, 'run.sh'), '#!/bin/sh\n')
    expect(await dispatch(h, 'app.openPath', { path: join(picked, 'run.sh') })).toMatchObject({
      ok: false,
      error: { code: 'invalid_argument', message: expect.stringMatching(/is not a folder/) }
    })
    expect(await dispatch(h, 'app.openPath', { path: join(picked, 'gone') })).toMatchObject({ ok: false, error: { code: 'not_found' } })
    const other = join(dir, 'other')
    mkdirSync(other)
    expect(await dispatch(h, 'app.openPath', { path: other })).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(asked).toEqual([])
    expect(await dispatch(h, 'app.openPath', { path: picked })).toMatchObject({ ok: true, value: { opened: true } })
    expect(asked).toHaveLength(1)
  })
})
