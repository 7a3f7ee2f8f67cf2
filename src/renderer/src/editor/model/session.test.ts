import { describe, expect, it } from 'vitest'
import type { ImageDetail, Label } from '../../../../shared/contract'
import type { ImageStatus } from '../../../../shared/domain'
import { addChange } from './document'
import { rig } from '../test/fixtures'
import { EditorSession, type SessionApi } from './session'
import { newPolygonKey } from './types'

/** An in-memory labels store behaving like the main process for what the session calls. */
function fakeApi() {
  const labels = new Map<number, Label[]>()
  const status = new Map<number, ImageStatus>()
  const saves: { imageId: number; labels: number; status?: ImageStatus }[] = []
  let nextId = 1
  const views: Record<number, 'D01' | 'D02'> = { 1: 'D01', 2: 'D01', 3: 'D02', 4: 'D01' }
  const api: SessionApi = {
    labels: {
      list: async ({ imageId }) => (labels.get(imageId) ?? []).map((l) => ({ ...l })),
      save: async ({ imageId, labels: drafts, status: given }) => {
        saves.push({ imageId, labels: drafts.length, ...(given ? { status: given } : {}) })
        if (given) status.set(imageId, given)
        const old = labels.get(imageId) ?? []
        const next = drafts.map((d) => ({
          ...(old.find((l) => l.id === d.id) ?? { id: nextId++, imageId, author: 't', revision: 1, createdAt: '', updatedAt: '' }),
          classId: d.classId,
          points: d.points,
          source: d.source
        }))
        labels.set(imageId, next)
        return next.map((l) => ({ ...l }))
      }
    },
    images: {
      get: async ({ id }) => ({ id, width: 50, height: 40, status: status.get(id) ?? 'unlabeled', view: views[id] }) as ImageDetail,
      ids: async ({ filter }) => [1, 2, 3, 4].filter((id) => !filter.views || filter.views.includes(views[id]!)),
      setStatus: async ({ ids, status: s }) => {
        for (const id of ids) status.set(id, s)
        return { changed: ids.length }
      }
    }
  }
  return { api, labels, status, saves }
}

const TRI = [1.5, 1.5, 20.5, 1.5, 10.5, 20.5]

describe('editing session', () => {
  it('keeps a frame and its history while the server still holds what was saved', async () => {
    const { api } = fakeApi()
    const s = new EditorSession(api)
    const { frame } = await s.load(1)
    frame.apply([addChange(frame.polygons, { key: newPolygonKey(), classId: 1, points: TRI, source: 'manual' })])
    s.edited(frame)
    await s.flush(frame)
    expect((await s.load(1)).frame).toBe(frame)
    expect(frame.history.canUndo).toBe(true)
  })

  it('starts afresh when the labels changed elsewhere while the frame was clean', async () => {
    const { api, labels } = fakeApi()
    const s = new EditorSession(api)
    const first = (await s.load(1)).frame
    labels.set(1, [{ id: 99, imageId: 1, classId: 2, points: TRI, source: 'imported', author: '', revision: 1, createdAt: '', updatedAt: '' }])
    const again = (await s.load(1)).frame
    expect(again).not.toBe(first)
    expect(again.polygons.map((p) => p.key)).toEqual(['L99'])
  })

  it('copies polygons into the next frame of the same view, saved, and undoable there', async () => {
    const { api, labels } = fakeApi()
    const s = new EditorSession(api)
    expect(await s.nextInView(2, 'D01')).toBe(4)
    expect(await s.nextInView(4, 'D01')).toBeNull()
    const n = await s.pasteInto(4, [{ key: 'x', classId: 1, points: TRI, source: 'manual' }])
    expect(n).toBe(1)
    expect(labels.get(4)!.map((l) => l.points)).toEqual([TRI])
    const target = (await s.load(4)).frame
    expect(target.history.canUndo).toBe(true)
    target.undo()
    expect(target.polygons).toHaveLength(0)
  })

  it('clips pasted polygons to a smaller frame and skips those left outside', async () => {
    const { api, labels } = fakeApi()
    const s = new EditorSession(api)
    const n = await s.pasteInto(2, [
      { key: 'a', classId: 1, points: [40.5, 30.5, 80.5, 30.5, 60.5, 70.5], source: 'manual' },
      { key: 'b', classId: 1, points: [100, 100, 120, 100, 110, 120], source: 'manual' }
    ])
    expect(n).toBe(1)
    const pts = labels.get(2)![0]!.points
    expect(Math.max(...pts.filter((_, k) => k % 2 === 0))).toBeLessThanOrEqual(50)
    expect(Math.max(...pts.filter((_, k) => k % 2 === 1))).toBeLessThanOrEqual(40)
  })

  it('a prefetched first visit needs no further calls; a frame it already holds always reloads', async () => {
    const { api, labels } = fakeApi()
    let calls = 0
    const counted: SessionApi = { ...api, labels: { ...api.labels, list: (a) => (calls++, api.labels.list(a)) } }
    const s = new EditorSession(counted)
    s.prefetch(2)
    await Promise.resolve()
    expect(calls).toBe(1)
    await s.load(2)
    expect(calls).toBe(1)
    // Held now: a prefetch is ignored and the next load asks the server.
    await s.pasteInto(2, [{ key: 'a', classId: 1, points: TRI, source: 'manual' }])
    s.prefetch(2)
    labels.get(2)!.push({ ...labels.get(2)![0]!, id: 500 })
    expect((await s.load(2)).frame.polygons).toHaveLength(2)
  })

  it('asks before copying a defect onto a normal frame; the paste marks it labelled and its undo marks it normal again, through the save', async () => {
    const { api, status, saves } = fakeApi()
    status.set(4, 'normal')
    const s = new EditorSession(api)
    const isDefect = (classId: number): boolean => classId === 1
    const defect = [{ key: 'x', classId: 1, points: TRI, source: 'manual' as const }]
    const region = [{ key: 'y', classId: 2, points: TRI, source: 'manual' as const }]
    expect(await s.pasteChangesNormal(4, defect, isDefect)).toBe(true)
    expect(await s.pasteChangesNormal(4, region, isDefect)).toBe(false)
    expect(await s.pasteChangesNormal(2, defect, isDefect)).toBe(false)
    // Asking changed nothing on the server.
    expect(saves).toEqual([])
    expect(status.get(4)).toBe('normal')

    await s.pasteInto(4, defect, isDefect)
    expect(saves.at(-1)).toEqual({ imageId: 4, labels: 1, status: 'labeled' })
    expect(status.get(4)).toBe('labeled')
    const target = (await s.load(4)).frame
    expect(target.status).toBe('labeled')

    target.undo()
    expect(target.status).toBe('normal')
    s.edited(target)
    await s.flush(target)
    expect(saves.at(-1)).toEqual({ imageId: 4, labels: 0, status: 'normal' })
    expect(status.get(4)).toBe('normal')

    target.redo()
    s.edited(target)
    await s.flush(target)
    expect(saves.at(-1)).toEqual({ imageId: 4, labels: 1, status: 'labeled' })
    expect(status.get(4)).toBe('labeled')
    // Later edits leave the status to the server again.
    target.apply([addChange(target.polygons, { key: newPolygonKey(), classId: 1, points: [2, 2, 30, 2, 16, 30], source: 'manual' })])
    s.edited(target)
    await s.flush(target)
    expect(saves.at(-1)).toEqual({ imageId: 4, labels: 2 })
  })
})

describe('editor questions', () => {
  it('runs the action only on yes, and drops the question when another frame is shown', () => {
    const r = rig()
    let ran = 0
    r.core.ask('Sure?', 'Yes', () => ran++)
    expect(r.core.getSnapshot().confirm).toMatchObject({ text: 'Sure?', yes: 'Yes' })
    r.core.answer(false)
    expect(ran).toBe(0)
    expect(r.core.getSnapshot().confirm).toBeNull()
    r.core.ask('Sure?', 'Yes', () => ran++)
    r.core.answer(true)
    r.core.answer(true)
    expect(ran).toBe(1)
    r.core.ask('Sure?', 'Yes', () => ran++)
    r.core.attach(r.frame)
    r.core.answer(true)
    expect(ran).toBe(1)
    expect(r.core.getSnapshot().confirm).toBeNull()
  })
})
