import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Workspace } from '../services/workspace'
import { Session } from './session'
import { openStartWorkspace, startNoticeText } from './startWorkspace'
import { createHandlers } from './handlers'

describe('the start workspace (--workspace, --create)', () => {
  const sessions: Session[] = []
  const dirs: string[] = []
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'ds-start-'))
    dirs.push(d)
    return d
  }
  const session = (): Session => {
    const s = new Session()
    sessions.push(s)
    return s
  }
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('opens an existing workspace', async () => {
    const dir = join(tmp(), 'line3')
    Workspace.create(dir).close()
    const s = session()
    expect(await openStartWorkspace(s, ['--workspace', dir], tmp())).toBeNull()
    expect(s.workspace?.dir).toBe(dir)
  })

  it('a missing or empty folder opens nothing and says how to create it; the start screen gets the notice', async () => {
    const root = tmp()
    const missing = join(root, 'nope')
    const s = session()
    const n = await openStartWorkspace(s, ['--workspace', missing], tmp())
    expect(n).toMatchObject({ dir: missing, state: 'missing' })
    expect(s.workspace).toBeNull()
    expect(startNoticeText(n!, 'npm run dev:web')).toContain(`npm run dev:web -- --workspace ${missing} --create`)

    const empty = join(root, 'empty')
    mkdirSync(empty)
    expect(await openStartWorkspace(s, [`--workspace=${empty}`], tmp())).toMatchObject({ state: 'empty' })

    const info = await createHandlers({ session: s, shell: 'web', version: 't', startNotice: () => n })['app.info'](undefined as never)
    expect(info.workspace).toBeNull()
    expect(info.startNotice).toMatchObject({ dir: missing, state: 'missing' })
  })

  it('--create makes the workspace in a missing, empty or non-workspace folder, with the default classes', async () => {
    const root = tmp()
    for (const [name, prepare] of [
      ['missing', () => undefined],
      ['empty', (d: string) => mkdirSync(d)],
      ['images', (d: string) => (mkdirSync(d), writeFileSync(join(d, 'a.png'), 'x'))]
    ] as const) {
      const dir = join(root, name)
      prepare(dir)
      const s = session()
      expect(await openStartWorkspace(s, ['--workspace', dir, '--create'], tmp())).toBeNull()
      expect(s.workspace?.dir).toBe(dir)
      expect(s.workspace!.db.prepare('SELECT count(*) FROM classes').pluck().get()).toBe(3)
      await s.close()
      // The next start opens what --create made.
      const again = session()
      expect(await openStartWorkspace(again, ['--workspace', dir], tmp())).toBeNull()
    }
  })

  it('a file given as the workspace is refused even with --create', async () => {
    const file = join(tmp(), 'notes.txt')
    writeFileSync(file, 'x')
    const s = session()
    const n = await openStartWorkspace(s, ['--workspace', file, '--create'], tmp())
    expect(n).toMatchObject({ state: 'file' })
    expect(s.workspace).toBeNull()
  })

  it("opening a folder without a workspace names both ways to create one", () => {
    const dir = tmp()
    expect(() => Workspace.open(dir)).toThrow(/not a Defect Studio workspace.*start screen.*--create/)
    expect(() => Workspace.open(join(dir, 'missing'))).toThrow(/No folder at .*--create/)
  })
})
