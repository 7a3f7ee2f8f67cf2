/**
 * Comparisons and auto-promote judge both models on the current labels of
 * the same frames. Real parts: a demo workspace of real image files in a real
 * SQLite file, tiny models trained by the real ML engine in child processes,
 * and as the oracle a fresh `eval` job of each model in a separate ML process
 * on the frames as they are labelled when the comparison is made.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EvalReport } from '../../../shared/arcd/metrics'
import type { DatasetItem, EvalResult } from '../../../shared/arcd/protocol'
import type { RunComparison } from '../../../shared/contract'
import { tempDir, waitRunDone } from '../../test/fixtures'
import { listClasses } from '../classes'
import { createDemoWorkspace } from '../demo/demoWorkspace'
import { EventHub } from '../events'
import { listLabels, saveFrameLabels } from '../labels'
import type { Workspace } from '../workspace'
import { buildDataset } from './dataset'
import { MlHost } from './mlHost'
import { MlService } from './mlService'
import { getRun, getRunSummary } from './runsRead'
import { setTrainingSettings } from './trainingSettings'

// Both ML processes on single-threaded wasm: deterministic, so the two evals agree to 1e-10, and present on every
// machine (a GPU build's kernels need not be); 15x faster than the pure-JS backend this test first used.
const HOST_ENV = { ...process.env, DEFECT_STUDIO_BACKEND: 'wasm', DEFECT_STUDIO_WASM_THREADS: '1' }

let ws: Workspace
let cleanup: () => void
let ml: MlService
let oracle: MlHost

const waitDone = (runId: number, timeoutMs = 300_000): Promise<void> => waitRunDone(ws, runId, timeoutMs)

/** The oracle: the frames with ground truth now, straight from the database, evaluated in another ML process. */
async function freshEval(modelId: number, testIds: number[]): Promise<EvalReport> {
  const data = buildDataset(ws)
  const ids = new Set(testIds)
  const images: DatasetItem[] = data.items.filter((i) => ids.has(Number(i.id))).map((i) => ({ ...i, split: 'test' }))
  const dir = ws.db.prepare('SELECT dir FROM models WHERE id = ?').pluck().get(modelId) as string
  return ((await oracle.run({ kind: 'eval', modelDir: dir, images, classes: data.classes, split: 'test' })) as EvalResult).report
}

function expectFigures(cmp: RunComparison, side: 'a' | 'b', report: EvalReport): void {
  expect(cmp.overall.miou[side], `MIoU of ${side}`).toBeCloseTo(report.overall.miou!, 10)
  expect(cmp.overall.mpa[side], `MPA of ${side}`).toBeCloseTo(report.overall.mpa!, 10)
  for (const c of report.overall.classes) {
    const row = cmp.classes.find((r) => r.name === c.name)!
    if (c.pixelAp === null) expect(row.pixelAp[side]).toBeNull()
    else expect(row.pixelAp[side], `${c.name} AP of ${side}`).toBeCloseTo(c.pixelAp, 10)
    const normals = report.overall.images - report.overall.anomalousImages
    if (c.kind === 'region' || normals === 0) expect(row.normalsMarked[side], `${c.name} normal frames marked of ${side}`).toBeNull()
    else expect(row.normalsMarked[side], `${c.name} normal frames marked of ${side}`).toBeCloseTo(c.normalsMarked! / normals, 10)
  }
  for (const [view, g] of Object.entries(report.perView)) {
    expect(cmp.views.find((v) => v.view === view)!.miou[side], `MIoU of ${view}, ${side}`).toBeCloseTo(g.miou!, 10)
  }
}

const evalRuns = () => ws.db.prepare("SELECT count(*) FROM runs WHERE kind = 'eval'").pluck().get() as number

beforeAll(async () => {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  const demo = await createDemoWorkspace(join(tmp.dir, 'ws'), { framesPerView: 12, width: 48, height: 96, defectRate: 0.5, unlabeledFraction: 0 })
  ws = demo.workspace
  setTrainingSettings(ws, { input: 'tiles', size: 32, reconBase: 4, discBase: 4, reconDepth: 2, discDepth: 2, budgetMinutes: 0, steps1: 6, steps2: 12, evalRounds: 1, batchSize: 2 })
  ml = new MlService(ws, new EventHub(), () => MlHost.fork(undefined, HOST_ENV))
  oracle = MlHost.fork(undefined, HOST_ENV)
}, 120_000)

afterAll(async () => {
  await ml?.close()
  await oracle?.close()
  ws?.close()
  cleanup?.()
})

describe('comparisons on the current labels of the same frames', () => {
  let base = 0
  let testIds: number[] = []

  it('after label edits on test frames, re-evaluates both models on the same labels: figures equal a fresh eval of each', async () => {
    base = ml.train()
    await waitDone(base)
    ml.promote(base)
    testIds = getRun(ws, base).snapshot!.testImageIds
    const stored = getRun(ws, base).testMetrics!
    const fold = listClasses(ws).find((c) => c.name === 'fold')!
    // Two test frames change their ground truth: one's fold outline is redrawn, a normal one gets a fold.
    const labelled = testIds.find((id) => listLabels(ws, id).some((l) => l.classId === fold.id))!
    const normal = testIds.find((id) => (ws.db.prepare('SELECT status FROM images WHERE id = ?').pluck().get(id) as string) === 'normal')!
    expect(labelled && normal).toBeTruthy()
    const drafts = (id: number) => listLabels(ws, id).map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
    const bigFold = [4.5, 4.5, 40.5, 6.5, 38.5, 60.5, 6.5, 58.5]
    saveFrameLabels(ws, labelled, drafts(labelled).map((l) => (l.classId === fold.id ? { ...l, points: bigFold } : l)), 'test')
    // Kept: a normal frame may carry region labels (the lathe bed).
    saveFrameLabels(ws, normal, [...drafts(normal), { classId: fold.id, points: bigFold }], 'test')

    const retrain = ml.retrain()
    await waitDone(retrain)
    expect(getRun(ws, retrain).snapshot!.testImageIds).toEqual(testIds)
    const before = evalRuns()
    const cmp = await ml.compare(base, retrain)
    expect(cmp.basis).toMatchObject({ kind: 'current-labels', frames: testIds.length, changedSinceA: 2, changedSinceB: 0 })

    const [freshA, freshB] = [await freshEval(getRun(ws, base).modelId!, testIds), await freshEval(getRun(ws, retrain).modelId!, testIds)]
    expectFigures(cmp, 'a', freshA)
    expectFigures(cmp, 'b', freshB)
    // The active model's stored report was scored on the old labels: the comparison does not show it.
    expect(Math.abs(cmp.overall.miou.a! - stored.overall.miou!)).toBeGreaterThan(1e-9)
    // The retrain was judged as it finished: the active model's evaluation on this label state was made then, and is reused.
    expect(evalRuns()).toBe(before)
    expect(cmp.basis.evalRunIds).toHaveLength(2)

    // Another edit makes another label state: both are evaluated again, and the figures follow.
    saveFrameLabels(ws, normal, drafts(normal).filter((l) => l.classId !== fold.id), 'test', { status: 'normal' })
    const again = await ml.compare(base, retrain)
    expect(again.basis.labelState).not.toBe(cmp.basis.labelState)
    expect(again.basis).toMatchObject({ changedSinceA: 1, changedSinceB: 1 })
    expect(evalRuns()).toBe(before + 2)
    expectFigures(again, 'a', await freshEval(getRun(ws, base).modelId!, testIds))
    expectFigures(again, 'b', await freshEval(getRun(ws, retrain).modelId!, testIds))
    // Asked again on the same labels: the stored evaluations, no new eval run.
    const third = await ml.compare(base, retrain)
    expect(third.basis.evalRunIds).toEqual(again.basis.evalRunIds)
    expect(evalRuns()).toBe(before + 2)
    ml.decline(retrain)
  }, 900_000)

  it('a comparison whose queued evaluation is cancelled says so, and the next one evaluates', async () => {
    const a = base
    const b = ws.db.prepare("SELECT id FROM runs WHERE kind = 'train' AND decision = 'declined' ORDER BY id DESC LIMIT 1").pluck().get() as number
    // A new label state: both models must be evaluated, one after the other in the inference lane.
    const frame = testIds.find((id) => (ws.db.prepare('SELECT status FROM images WHERE id = ?').pluck().get(id) as string) === 'normal')!
    const fold = listClasses(ws).find((c) => c.name === 'fold')!
    const kept = listLabels(ws, frame).map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
    saveFrameLabels(ws, frame, [...kept, { classId: fold.id, points: [2.5, 2.5, 20.5, 2.5, 20.5, 30.5] }], 'test')
    const pending = ml.compare(a, b)
    const queued = ws.db.prepare("SELECT id FROM runs WHERE kind = 'eval' AND state = 'queued' ORDER BY id DESC LIMIT 1").pluck().get() as number
    expect(queued).toEqual(expect.any(Number))
    expect(ml.cancel(queued)).toBe(true)
    await expect(pending).rejects.toThrow(/evaluation of model #\d+ on the current labels was cancelled; open the comparison again/)
    expect(getRunSummary(ws, queued).state).toBe('cancelled')
    const cmp = await ml.compare(a, b)
    expect(cmp.basis.kind).toBe('current-labels')
    expect(cmp.basis.evalRunIds).not.toContain(queued)
  }, 600_000)

  it('auto-promote refuses a retrain that regressed, says why in the run, and leaves the active model in place', async () => {
    setTrainingSettings(ws, { autoPromote: true })
    const active = ml.retrainStatus().activeModel!
    expect(active.runId).toBe(base)
    // The inspectors outline a large fold on each test frame and delete every fold label elsewhere: the retrain has
    // nothing to learn fold from, while the test frames have plenty of fold pixels for the active model to score.
    const fold = listClasses(ws).find((c) => c.name === 'fold')!
    const inTest = new Set(testIds)
    for (const id of testIds) {
      const kept = listLabels(ws, id).map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
      saveFrameLabels(ws, id, [...kept, { classId: fold.id, points: [4.5, 4.5, 40.5, 6.5, 38.5, 60.5, 6.5, 58.5] }], 'test')
    }
    for (const id of ws.db.prepare('SELECT DISTINCT image_id FROM labels WHERE class_id = ? AND deleted_at IS NULL').pluck().all(fold.id) as number[]) {
      if (inTest.has(id)) continue
      const keep = listLabels(ws, id).filter((l) => l.classId !== fold.id)
      saveFrameLabels(ws, id, keep.map((l) => ({ id: l.id, classId: l.classId, points: l.points })), 'test')
    }
    const regress = ml.retrain()
    await waitDone(regress)
    const run = getRun(ws, regress)
    expect(run.outcome?.untrainedClasses).toContain('fold')
    // The active model finds fold on the test frames by more than the margin, so losing it is a regression.
    const activeFold = (await freshEval(active.id, testIds)).overall.classes.find((c) => c.name === 'fold')!.pixelAp!
    expect(activeFold).toBeGreaterThan(0.02)

    expect(ml.retrainStatus().activeModel).toEqual(active)
    expect(run.decision).toBeNull()
    expect(run.autoPromote).toMatchObject({ promoted: false, drops: [{ metric: 'fold pixel AP', a: expect.closeTo(activeFold, 10), b: null }] })
    expect(run.autoPromote!.reason).toMatch(/^refused, a regression against active model #\d+: fold pixel AP/)
    const cmp = await ml.compare(base, regress)
    expect(cmp.regression).toMatchObject({ regressed: true, margin: 0.02 })
    expect(cmp.regression!.drops.map((d) => d.metric)).toContain('fold pixel AP')
  }, 900_000)
})
