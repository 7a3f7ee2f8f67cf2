import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CHANNELS, argSchemas, buildApi, type Channel } from '../../shared/contract'
import { decodeWire, encodeWire } from '../../shared/contract/wire'
import { tempDir } from '../test/fixtures'
import { dispatch } from './dispatch'
import { createHandlers } from './handlers'
import { Session } from './session'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function handlers() {
  const session = new Session()
  cleanups.push(() => session.close().then(() => undefined))
  return { session, handlers: createHandlers({ session, shell: 'web', version: 'test' }) }
}

describe('contract validation', () => {
  it('has a schema and a handler for every channel', () => {
    const { handlers: h } = handlers()
    expect(Object.keys(h).sort()).toEqual([...CHANNELS].sort())
    expect(Object.keys(argSchemas).sort()).toEqual([...CHANNELS].sort())
  })

  it.each([
    ['workspace.open', {}, /dir: Invalid input/],
    ['workspace.open', { dir: 42 }, /dir: Invalid input: expected string/],
    ['workspace.open', { dir: '/x', extra: true }, /Unrecognized key/],
    ['images.query', { filter: {}, offset: -1, limit: 10 }, /offset/],
    ['images.query', { filter: { views: ['D09'] }, offset: 0, limit: 10 }, /filter\.views\.0/],
    ['images.query', { filter: {}, offset: 0, limit: 100000 }, /limit/],
    ['images.setStatus', { ids: [1], status: 'great' }, /status/],
    ['images.thumbnails', { ids: [1.5] }, /ids\.0/],
    ['classes.save', { name: 'bad/name', color: '#ff0000', kind: 'defect' }, /name/],
    ['classes.save', { name: 'ok', color: 'red', kind: 'defect' }, /colour like #aabbcc/],
    ['classes.edit', { id: 1 }, /at least one of name, color and kind/],
    ['classes.edit', { id: 1, color: 'red' }, /colour like #aabbcc/],
    ['import.start', { folder: '' }, /folder/],
    ['import.start', 'not an object', /expected object/]
  ] as [Channel, unknown, RegExp][])('rejects %s %j with a typed error', async (channel, args, message) => {
    const { handlers: h } = handlers()
    const res = await dispatch(h, channel, args)
    expect(res.ok).toBe(false)
    if (!res.ok) {
      expect(res.error.code).toBe('invalid_argument')
      expect(res.error.message).toMatch(message)
      expect(res.error.issues?.length).toBeGreaterThan(0)
    }
  })

  it('rejects an unknown channel and a prototype key without calling anything', async () => {
    const { handlers: h } = handlers()
    for (const channel of ['nope.nothing', '__proto__', 'constructor', 42]) {
      const res = await dispatch(h, channel, {})
      expect(res).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    }
  })

  it('answers no_workspace before a workspace is open, and not_found for a folder that is not one', async () => {
    const { handlers: h } = handlers()
    expect(await dispatch(h, 'images.stats', {})).toMatchObject({ ok: false, error: { code: 'no_workspace' } })
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    expect(await dispatch(h, 'workspace.open', { dir })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringMatching(/not a Defect Studio workspace/) }
    })
  })

  it('creates, reopens and reports a workspace through the handlers', async () => {
    const { handlers: h } = handlers()
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const wsDir = join(dir, 'ws')
    const created = await dispatch(h, 'workspace.create', { dir: wsDir, name: 'Line 3' })
    expect(created).toMatchObject({ ok: true, value: { name: 'Line 3', imageCount: 0 } })
    expect(await dispatch(h, 'workspace.create', { dir: wsDir })).toMatchObject({ ok: false, error: { code: 'conflict' } })
    const classes = await dispatch(h, 'classes.list', {})
    expect(classes.ok && (classes.value as { name: string }[]).map((c) => c.name)).toEqual(['fold', 'edge_crack', 'lathe'])
    expect(await dispatch(h, 'classes.save', { name: 'FOLD', color: '#123456', kind: 'defect' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' }
    })
    expect(await dispatch(h, 'images.get', { id: 99 })).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(await dispatch(h, 'workspace.close', {})).toEqual({ ok: true, value: { closed: true } })
    expect(await dispatch(h, 'workspace.open', { dir: wsDir })).toMatchObject({ ok: true, value: { name: 'Line 3' } })
  })

  it('buildApi exposes exactly one method per channel, grouped by namespace', () => {
    const calls: [string, unknown][] = []
    const api = buildApi(
      async (c, a) => {
        calls.push([c, a])
        return null
      },
      () => () => undefined
    ) as unknown as Record<string, Record<string, (a?: unknown) => Promise<unknown>>>
    const methods = Object.entries(api)
      .filter(([k]) => k !== 'on')
      .flatMap(([ns, group]) => Object.keys(group).map((m) => `${ns}.${m}`))
    expect(methods.sort()).toEqual([...CHANNELS].sort())
    void api.images!.stats!()
    expect(calls).toEqual([['images.stats', {}]])
  })

  it('wire encoding carries bytes through JSON', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 128, 7])
    for (let n = 0; n <= bytes.length; n++) {
      const back = decodeWire(encodeWire({ data: bytes.subarray(0, n), x: 1 })) as { data: Uint8Array; x: number }
      expect(Array.from(back.data)).toEqual(Array.from(bytes.subarray(0, n)))
      expect(back.x).toBe(1)
    }
  })
})
