import { describe, expect, it } from 'vitest'
import type { Label } from '../../../../shared/contract'
import { addChange, updateChange } from './document'
import { FrameState } from './frameState'
import type { LabelDraft } from './labelsSync'
import { AutoSaver, DEBOUNCE_MS } from './saver'
import { newPolygonKey } from './types'

/** A fake labels.save with the server's rules that matter here: ids, whole-set saves, rounding. */
class FakeServer {
  labels: Label[] = []
  nextId = 100
  calls: LabelDraft[][] = []
  inFlight = 0
  maxInFlight = 0
  failNext: Error | null = null
  pending: (() => void)[] = []
  manual = false

  save = async (imageId: number, drafts: LabelDraft[]): Promise<Label[]> => {
    this.calls.push(drafts)
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    if (this.manual) await new Promise<void>((ok) => this.pending.push(ok))
    else await Promise.resolve()
    this.inFlight--
    if (this.failNext) {
      const e = this.failNext
      this.failNext = null
      throw e
    }
    const kept: Label[] = []
    for (const d of drafts) {
      const old = d.id !== undefined ? this.labels.find((l) => l.id === d.id) : undefined
      if (d.id !== undefined && !old) throw Object.assign(new Error('gone'), { code: 'conflict' })
      kept.push({
        id: old?.id ?? this.nextId++,
        imageId,
        classId: d.classId,
        points: d.points.map((v) => Math.round(v * 1000) / 1000),
        source: d.source,
        author: 't',
        revision: 1,
        createdAt: '',
        updatedAt: ''
      })
    }
    this.labels = kept.sort((a, b) => a.id - b.id)
    return this.labels.map((l) => ({ ...l }))
  }
  list = async () => this.labels.map((l) => ({ ...l }))
}

class Timers {
  queue: { at: number; fn: () => void; id: number }[] = []
  now = 0
  private id = 0
  set = (fn: () => void, ms: number) => {
    const t = { at: this.now + ms, fn, id: ++this.id }
    this.queue.push(t)
    return t.id
  }
  clear = (h: unknown) => {
    this.queue = this.queue.filter((t) => t.id !== h)
  }
  async advance(ms: number) {
    this.now += ms
    for (;;) {
      const due = this.queue.filter((t) => t.at <= this.now).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.clear(due.id)
      due.fn()
      await settle()
    }
    await settle()
  }
}

async function settle() {
  for (let k = 0; k < 20; k++) await Promise.resolve()
}

function setup() {
  const server = new FakeServer()
  const timers = new Timers()
  const frame = new FrameState(1, 100, 100, [], 'unlabeled')
  const saver = new AutoSaver({ save: server.save, list: server.list, onChange: () => undefined, setTimer: timers.set, clearTimer: timers.clear })
  const add = (points: number[]) => {
    frame.apply([addChange(frame.polygons, { key: newPolygonKey(), classId: 1, points, source: 'manual' })])
    saver.schedule(frame)
  }
  return { server, timers, frame, saver, add }
}

describe('autosave', () => {
  it('debounces edits into one save and adopts the ids the server created', async () => {
    const { server, timers, frame, saver, add } = setup()
    add([1.5, 1.5, 9.5, 1.5, 9.5, 9.5])
    add([20.5, 20.5, 29.5, 20.5, 29.5, 29.5])
    expect(frame.dirty).toBe(true)
    await timers.advance(DEBOUNCE_MS - 1)
    expect(server.calls).toHaveLength(0)
    await timers.advance(1)
    expect(server.calls).toHaveLength(1)
    expect(frame.dirty).toBe(false)
    expect([...frame.serverIds.values()]).toEqual([100, 101])
    // The next save updates instead of creating again.
    const first = frame.polygons[0]!
    frame.apply([updateChange(frame.polygons, { ...first, classId: 2 })!])
    saver.schedule(frame)
    await timers.advance(DEBOUNCE_MS)
    expect(server.calls[1]!.map((d) => d.id)).toEqual([100, 101])
    expect(server.labels.map((l) => l.classId)).toEqual([2, 1])
  })

  it('flush saves at once; saves never overlap; edits made during a save go out next', async () => {
    const { server, frame, saver, add } = setup()
    server.manual = true
    add([1.5, 1.5, 9.5, 1.5, 9.5, 9.5])
    const flushed = saver.flush(frame)
    await settle()
    expect(server.calls).toHaveLength(1)
    add([20.5, 20.5, 29.5, 20.5, 29.5, 29.5])
    const again = saver.flush(frame)
    await settle()
    expect(server.inFlight).toBe(1)
    server.pending.shift()!()
    await settle()
    // The first answer came back, but the frame changed meanwhile: still dirty, second save under way.
    expect(frame.dirty).toBe(true)
    expect(server.calls).toHaveLength(2)
    server.pending.shift()!()
    await Promise.all([flushed, again])
    expect(server.maxInFlight).toBe(1)
    expect(frame.dirty).toBe(false)
    expect(server.labels).toHaveLength(2)
    // The first polygon was created once, not twice.
    expect(server.calls[1]!.filter((d) => d.id === undefined)).toHaveLength(1)
  })

  it('keeps the edits and the dirty mark when a save fails, shows the error and retries', async () => {
    const { server, timers, frame, saver, add } = setup()
    server.failNext = Object.assign(new Error('[internal] disk full'), {})
    add([1.5, 1.5, 9.5, 1.5, 9.5, 9.5])
    await saver.flush(frame)
    expect(frame.dirty).toBe(true)
    expect(frame.error).toBe('disk full')
    expect(frame.polygons).toHaveLength(1)
    await timers.advance(1000)
    expect(frame.dirty).toBe(false)
    expect(frame.error).toBeNull()
    expect(server.labels).toHaveLength(1)
  })

  it('does not retry an invalid_argument refusal until the next edit', async () => {
    const { server, timers, frame, saver, add } = setup()
    server.failNext = Object.assign(new Error('crosses itself'), { code: 'invalid_argument' })
    add([1.5, 1.5, 9.5, 1.5, 9.5, 9.5])
    await saver.flush(frame)
    await timers.advance(60_000)
    expect(server.calls).toHaveLength(1)
    expect(frame.error).toMatch(/crosses/)
    add([20.5, 20.5, 29.5, 20.5, 29.5, 29.5])
    await timers.advance(DEBOUNCE_MS)
    expect(frame.dirty).toBe(false)
  })

  it('recreates a label deleted elsewhere (conflict) instead of failing forever', async () => {
    const { server, timers, frame, saver, add } = setup()
    add([1.5, 1.5, 9.5, 1.5, 9.5, 9.5])
    await saver.flush(frame)
    server.labels = []
    const p = frame.polygons[0]!
    frame.apply([updateChange(frame.polygons, { ...p, classId: 3 })!])
    await saver.flush(frame)
    expect(frame.error).toBe('gone')
    await timers.advance(0)
    expect(frame.dirty).toBe(false)
    expect(server.labels.map((l) => l.classId)).toEqual([3])
  })

  it('after a save the polygons hold what the server stored (clipped, rounded), so a reload shows the same', async () => {
    const { server, frame, saver, add } = setup()
    add([1.23456, 1.5, 9.5, 1.5, 9.5, 9.5])
    await saver.flush(frame)
    expect(frame.polygons[0]!.points[0]).toBe(1.235)
    expect(frame.matchesServer(await server.list())).toBe(true)
    server.labels[0]!.points = [0, 0, 5, 0, 5, 5]
    expect(frame.matchesServer(await server.list())).toBe(false)
  })
})
