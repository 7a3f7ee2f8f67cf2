/**
 * The label budget in the editor: every way polygons arrive (drawing,
 * pasting, accepting predictions, brush results, copying to the next frame)
 * goes through EditorCore.commit or the session's paste, which hold
 * LABEL_LIMITS before labels.save could refuse the frame.
 */
import { describe, expect, it } from 'vitest'
import type { ImageDetail, Label } from '../../../../shared/contract'
import { isSimple } from '../../../../shared/geometry/polygon'
import { LABEL_LIMITS } from '../../../../shared/limits'
import { click, label, rig } from '../test/fixtures'
import { addChange } from './document'
import { EditorSession, type SessionApi } from './session'
import { newPolygonKey, type EditorPolygon } from './types'

const MAX = LABEL_LIMITS.labelsPerFrame

function squares(n: number, classId = 11): Label[] {
  // One-pixel squares on a 100-wide grid: n distinct polygons.
  return Array.from({ length: n }, (_, i) => {
    const x = i % 100
    const y = Math.floor(i / 100)
    return label(i + 1, classId, [x, y, x + 1, y, x + 1, y + 1, x, y + 1])
  })
}

function circle(n: number): number[] {
  return Array.from({ length: n }, (_, i) => [500 + 400 * Math.cos((2 * Math.PI * i) / n), 500 + 400 * Math.sin((2 * Math.PI * i) / n)]).flat()
}

const poly = (points: number[]): EditorPolygon => ({ key: newPolygonKey(), classId: 11, points, source: 'manual' })

describe('label budget in the editor', () => {
  it('a paste that would put more polygons on the frame than it may hold is refused whole, with the reason', () => {
    const r = rig(squares(MAX - 1), { width: 1000, height: 1000 })
    expect(r.core.paste([poly([200, 200, 210, 200, 210, 210]), poly([300, 300, 310, 300, 310, 310])])).toBe(0)
    const s = r.core.getSnapshot()
    expect(s.polygons).toHaveLength(MAX - 1)
    expect(s.message).toMatchObject({ kind: 'error', text: 'Not done: a frame holds at most 5,000 polygons (what can be saved); this would make 5,001' })
    expect(s.canUndo).toBe(false)
    expect(r.edits).toBe(0)
    // One fits.
    expect(r.core.paste([poly([200, 200, 210, 200, 210, 210])])).toBe(1)
    expect(r.core.getSnapshot().polygons).toHaveLength(MAX)
  })

  it('accepting predictions onto a full frame is refused; the polygon tool will not start another one', () => {
    const r = rig(squares(MAX), { width: 1000, height: 1000 })
    expect(r.core.addPolygons([{ classId: 11, points: [200, 200, 210, 200, 210, 210], source: 'model' }])).toBe(false)
    expect(r.core.getSnapshot().message?.kind).toBe('error')
    r.core.setTool('polygon')
    click(r, 500, 500)
    expect(r.core.getSnapshot().preview.draft).toBeNull()
    expect(r.core.getSnapshot().message?.text).toMatch(/^Cannot draw another polygon: a frame holds at most 5,000 polygons/)
  })

  it('a polygon over the vertex budget is simplified on commit to fit, simple, and the editor says so', () => {
    const r = rig([], { width: 1000, height: 1000 })
    const big = circle(LABEL_LIMITS.pointsPerPolygon + 3000)
    expect(r.core.commit([addChange([], poly(big))])).toBe(true)
    const s = r.core.getSnapshot()
    expect(s.polygons).toHaveLength(1)
    const pts = s.polygons[0]!.points
    expect(pts.length / 2).toBeLessThanOrEqual(LABEL_LIMITS.pointsPerPolygon)
    expect(isSimple([...pts])).toBe(true)
    expect(s.message?.text).toMatch(/^A polygon of 23,000 points was simplified to [\d,]+ \(the limit is 20,000\)$/)
  })

  it('copying onto a full next frame fails with the reason and changes nothing there', async () => {
    const saved: number[] = []
    const api: SessionApi = {
      labels: {
        list: async () => squares(MAX),
        save: async ({ imageId }) => {
          saved.push(imageId)
          return []
        }
      },
      images: {
        get: async ({ id }) => ({ id, width: 1000, height: 1000, status: 'labeled' }) as unknown as ImageDetail,
        ids: async () => [],
        setStatus: async () => ({ changed: 0 })
      }
    }
    const session = new EditorSession(api)
    await expect(session.pasteInto(2, [poly([200, 200, 210, 200, 210, 210])])).rejects.toThrow(/^Not done: a frame holds at most 5,000 polygons/)
    expect(saved).toEqual([])
  })
})
