/**
 * Ground truth is the labels, one post-processor: the Review page's MPA and
 * MIoU on a run's test frames equal the run's test report at the same
 * thresholds. All real parts: a demo workspace of real image files, a tiny
 * ARCD trained in a real ML process, the ML eval job's report (the oracle:
 * computed by the engine on its float maps, not by the review), inference
 * through MlService as "Run the model on these frames" does it, and the
 * review service's metrics from the stored maps (one byte a pixel,
 * src/shared/review/mapCode.ts).
 *
 * Where the two could differ only through storing a byte, the setup keeps
 * them apart from that, and says so:
 * - Frames are at most 1024 px on the short side, so the evaluation's
 *   analysis resolution is native, as are the stored maps the review counts
 *   (and longer than 256 px, where the review once reduced its maps). Above
 *   1024 the engine scores at the analysis scale and stores maps resampled
 *   to frame size: there the two differ by that resampling.
 * - Thresholds sit half a byte below a byte's level (byte b stands for logit
 *   -16 + 32 b / 255): there "p >= t" on the engine's float and the review's
 *   comparison of the stored byte (the logit rounded to the nearest level)
 *   agree on every pixel. At other thresholds a pixel within half a byte
 *   (1/16 logit) of t may fall on either side.
 * - One defect class is trained (edge_crack has labels only on test frames,
 *   so the model has no output for it; both sides must ignore those labels).
 *   With two defect classes both above threshold on one pixel with the same
 *   byte, the review gives it to the lower class index and the engine to the
 *   higher float: a tiny model's flat maps make such ties common.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../../shared/arcd/config'
import type { EvalResult, TrainResult } from '../../../shared/arcd/protocol'
import { tempDir, waitRunDone } from '../../test/fixtures'
import { listClasses } from '../classes'
import { createDemoWorkspace } from '../demo/demoWorkspace'
import { EventHub } from '../events'
import { listLabels, saveFrameLabels } from '../labels'
import { buildDataset } from '../training/dataset'
import { MlHost } from '../training/mlHost'
import { MlService } from '../training/mlService'
import { addModel, createRun, finishRun, runModelDir, setActiveModel } from '../runs'
import type { Workspace } from '../workspace'
import { ReviewService } from './reviewService'

let ws: Workspace
let cleanup: () => void
let host: MlHost | null = null
let ml: MlService | null = null

beforeAll(async () => {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  const demo = await createDemoWorkspace(join(tmp.dir, 'ws'), { framesPerView: 8, width: 64, height: 288, defectRate: 0.6, unlabeledFraction: 0 })
  ws = demo.workspace
  // Splits are drawn per view and class, which leaves few test frames in a workspace this small:
  // in each view the first labelled frame and the first normal one become test frames.
  const frames = ws.db.prepare('SELECT id, view, status FROM images ORDER BY id').all() as { id: number; view: string; status: string }[]
  const picked = new Set<string>()
  for (const f of frames) {
    const key = `${f.view}:${f.status}`
    if (picked.has(key)) continue
    picked.add(key)
    ws.db.prepare("UPDATE images SET split = 'test' WHERE id = ?").run(f.id)
  }
  // edge_crack keeps its labels on test frames only: the model gets no output for it.
  const crack = listClasses(ws).find((c) => c.name === 'edge_crack')!.id
  for (const f of frames) {
    const split = ws.db.prepare('SELECT split FROM images WHERE id = ?').pluck().get(f.id) as string
    const labels = listLabels(ws, f.id)
    if (split === 'test' || !labels.some((l) => l.classId === crack)) continue
    saveFrameLabels(
      ws,
      f.id,
      labels.filter((l) => l.classId !== crack).map((l) => ({ id: l.id, classId: l.classId, points: l.points })),
      'test'
    )
  }
}, 120_000)

afterAll(async () => {
  await ml?.close()
  await host?.close()
  ws?.close()
  cleanup?.()
})

/** Half a byte below the byte nearest t, from the code's definition: byte b at logit -16 + 32 b / 255. */
function halfGrey(t: number): number {
  const k = Math.min(255, Math.max(1, Math.round(((Math.log(t / (1 - t)) + 16) * 255) / 32)))
  return 1 / (1 + Math.exp(16 - (32 * (k - 0.5)) / 255))
}

const waitDone = (runId: number, timeoutMs = 120_000): Promise<void> => waitRunDone(ws, runId, timeoutMs)

describe('review metrics against the run test report', () => {
  it('MPA and MIoU of the test frames equal the eval job report at the same thresholds', async () => {
    const data = buildDataset(ws)
    const testItems = data.items.filter((i) => i.split === 'test')
    const crackIndex = data.classes.findIndex((c) => c.name === 'edge_crack')
    expect(testItems.some((i) => i.polygons.some((p) => p.classIndex !== crackIndex && data.classes[p.classIndex]!.kind === 'defect'))).toBe(true)
    expect(testItems.some((i) => i.polygons.some((p) => p.classIndex === crackIndex))).toBe(true)
    expect(testItems.some((i) => i.normal)).toBe(true)

    host = MlHost.fork()
    const runId = createRun(ws, 'train', {}, {}, { state: 'running' })
    const train = (await host.run({
      kind: 'train',
      runId: String(runId),
      outDir: runModelDir(ws, runId),
      classes: data.classes,
      images: data.items,
      model: { ...CPU_PRESET, size: 32, reconBase: 2, discBase: 2, reconDepth: 1, discDepth: 1 },
      train: { ...DEFAULT_TRAIN, budgetMinutes: 0, stage1Steps: 20, stage2Steps: 20, evalRounds: 1 },
      stages: ['recon', 'disc'],
      arch: 'arcd'
    })) as TrainResult
    expect(train.untrainedClasses).toEqual(['edge_crack'])

    // The engine scores at its thresholds.json; the review at models.thresholds, or at the sliders' values.
    const thrFile = join(train.modelDir, 'thresholds.json')
    const evalAt = async (thresholds: Record<string, number>) => {
      writeFileSync(thrFile, JSON.stringify({ ...(JSON.parse(readFileSync(thrFile, 'utf8')) as object), perClass: thresholds }))
      const report = ((await host!.run({ kind: 'eval', modelDir: train.modelDir, images: testItems, classes: data.classes, split: 'test' })) as EvalResult).report
      expect(report.thresholds).toEqual(thresholds)
      expect(report.overall.miou).not.toBeNull()
      return report
    }
    const thresholds = Object.fromEntries(Object.entries(train.thresholds).map(([name, t]) => [name, halfGrey(t)]))
    const modelId = addModel(ws, runId, train.modelDir, thresholds)
    setActiveModel(ws, modelId)
    finishRun(ws, runId, 'done')

    ml = new MlService(ws, new EventHub(), () => MlHost.fork())
    await waitDone(ml.inferFrames(modelId, testItems.map((i) => Number(i.id))))
    const review = new ReviewService(ws, new EventHub())
    await review.settled(modelId)
    const filter = { splits: ['test' as const], statuses: ['labeled' as const, 'normal' as const] }
    const q = await review.queue({ modelId, filter })
    expect(q.untrainedClassIds).toEqual([listClasses(ws).find((c) => c.name === 'edge_crack')!.id])

    const compare = async (thr: Record<string, number>, saved: boolean) => {
      const report = await evalAt(thr)
      const m = await review.metrics({ modelId, filter, ...(saved ? {} : { thresholds: thr }) })
      expect(m.thresholds).toMatchObject(thr)
      expect(m.overall.frames).toBe(testItems.length)
      expect(m.maxSide).toBe(288)
      expect(m.overall.mpa).toBeCloseTo(report.overall.mpa!, 12)
      expect(m.overall.miou).toBeCloseTo(report.overall.miou!, 12)
      for (const [view, g] of Object.entries(report.perView)) {
        expect(m.perView[view]?.mpa, `MPA of ${view}`).toBeCloseTo(g.mpa!, 12)
        expect(m.perView[view]?.miou, `MIoU of ${view}`).toBeCloseTo(g.miou!, 12)
      }
      const fold = report.overall.classes.find((c) => c.name === 'fold')!
      expect(m.overall.classes.find((c) => c.name === 'fold')!.iou).toBeCloseTo(fold.iou!, 12)
      return m
    }
    // The run's own thresholds (a tiny model's are low: fold is predicted nearly everywhere)...
    await compare(thresholds, true)
    // ...and, as a reviewer's slider would set it, fold at the median of its per-frame maxima, so it is predicted in part.
    const fold = listClasses(ws).find((c) => c.name === 'fold')!.id
    const maxima = q.items.map((i) => i.classes.find((c) => c.classId === fold)!.maxProb).sort((a, b) => a - b)
    const partial = await compare({ ...thresholds, fold: halfGrey(maxima[Math.floor(maxima.length / 2)]!) }, false)
    expect(partial.overall.classes.find((c) => c.name === 'fold')!.iou).not.toBeNull()
  }, 300_000)
})
