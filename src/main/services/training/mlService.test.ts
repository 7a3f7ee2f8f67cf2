/**
 * Real training on tiny frames, in a real ML child process: the queue,
 * progress, cancel, a SIGKILL of the ML process, resume, data snapshots and
 * the one-click retrain.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventName, Events, RunStateChange } from '../../../shared/contract'
import { tempDir } from '../../test/fixtures'
import { createDemoWorkspace } from '../demo/demoWorkspace'
import { EventHub } from '../events'
import { listClasses } from '../classes'
import { queryImages } from '../images'
import { listLabels, saveFrameLabels } from '../labels'
import { runModelDir } from '../runs'
import type { Workspace } from '../workspace'
import { MlHost } from './mlHost'
import { MlService } from './mlService'
import { compareRuns, getRun, getRunSummary } from './runsRead'
import { setTrainingSettings } from './trainingSettings'

// The pure-JS backend: slow but identical everywhere; the frames are tiny.
const HOST_ENV = { ...process.env, DEFECT_STUDIO_BACKEND: 'cpu' }

let ws: Workspace
let cleanup: () => void
const events = new EventHub()
const seen: { event: EventName; payload: unknown }[] = []
events.subscribe((event, payload) => seen.push({ event, payload }))
let ml: MlService

function waitForState(runId: number, states: string[], timeoutMs = 240_000): Promise<RunStateChange> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`run ${runId} never reached ${states.join('/')}; now ${getRunSummary(ws, runId).state}`)), timeoutMs)
    const check = (): boolean => {
      const s = getRunSummary(ws, runId)
      if (states.includes(s.state)) {
        clearTimeout(timer)
        off()
        ok({ runId, kind: s.kind, state: s.state, ...(s.error ? { error: s.error } : {}) })
        return true
      }
      return false
    }
    const off = events.subscribe((event, payload) => {
      if (event === 'run.state' && (payload as Events['run.state']).runId === runId) check()
    })
    check()
  })
}

function firstEvent<E extends EventName>(event: E, pred: (p: Events[E]) => boolean, timeoutMs = 240_000): Promise<Events[E]> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${event} event`)), timeoutMs)
    const off = events.subscribe((e, p) => {
      if ((e as EventName) === event && pred(p as Events[E])) {
        clearTimeout(timer)
        off()
        ok(p as Events[E])
      }
    })
  })
}

beforeAll(async () => {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  const demo = await createDemoWorkspace(join(tmp.dir, 'ws'), { framesPerView: 12, width: 48, height: 96, defectRate: 0.5, unlabeledFraction: 0.2 })
  ws = demo.workspace
  // Fixed step counts, not the default 20-minute budget: two validation rounds per stage keep it to seconds.
  setTrainingSettings(ws, { input: 'tiles', size: 32, reconBase: 4, discBase: 4, reconDepth: 2, discDepth: 2, budgetMinutes: 0, steps1: 6, steps2: 8, evalRounds: 2, batchSize: 2 })
  ml = new MlService(ws, events, () => MlHost.fork(undefined, HOST_ENV))
}, 120_000)

afterAll(async () => {
  await ml?.close()
  ws?.close()
  cleanup?.()
})

describe('in-app training', () => {
  let firstRun: number

  it('queues runs one at a time, reports progress and epochs, evaluates on the test split and records the run', async () => {
    firstRun = ml.train()
    const second = ml.train({ arch: 'unet' })
    expect(getRunSummary(ws, second).state).toBe('queued')
    const progress = await firstEvent('run.progress', (p) => p.runId === firstRun)
    expect(progress.steps).toBeGreaterThan(0)
    // Main stays free while the ML process trains: calls are answered between progress events.
    const answeredWhileRunning: number[] = []
    for (let i = 0; i < 5; i++) {
      await firstEvent('run.progress', (p) => p.runId === firstRun)
      const status = ml.retrainStatus()
      if (status.running?.id === firstRun) answeredWhileRunning.push(i)
    }
    expect(answeredWhileRunning).toEqual([0, 1, 2, 3, 4])
    expect(getRunSummary(ws, second).state).toBe('queued') // one training at a time
    await waitForState(firstRun, ['done', 'failed'])
    const run = getRun(ws, firstRun)
    expect(run.error).toBeNull()
    expect(run.state).toBe('done')
    expect(run.epochs.map((e) => e.stage)).toEqual(['recon', 'recon', 'disc', 'disc'])
    // What the run did is kept with it: settings as run, and the engine's plan.
    expect(run.setup).toMatchObject({ preset: 'cpu', input: 'tiles', size: 32, reconBase: 4, reconDepth: 2, budgetMinutes: 0, steps1: 6, steps2: 8, evalRounds: 2, batchSize: 2 })
    expect(run.outcome?.plan).toMatchObject({ input: 'tiles', reconReused: false })
    expect(run.outcome?.untrainedClasses).toEqual(expect.any(Array))
    expect(run.backend).toBe('cpu')
    expect(run.modelId).not.toBeNull()
    expect(run.snapshot!.testImageIds.length).toBeGreaterThan(0)
    expect(run.testMetrics?.overall.miou).toEqual(expect.any(Number))
    expect(seen.some((s) => s.event === 'run.epoch' && (s.payload as Events['run.epoch']).runId === firstRun)).toBe(true)
    // The queued baseline starts after; cancel it while it runs.
    await firstEvent('run.progress', (p) => p.runId === second)
    expect(ml.cancel(second)).toBe(true)
    const end = await waitForState(second, ['cancelled', 'done', 'failed'])
    expect(end.state).toBe('cancelled')
  }, 600_000)

  it('records a killed ML process as a failed run, stays usable, and resumes from the checkpoint', async () => {
    const runId = ml.train()
    // Kill it once it has written a complete checkpoint (after its first epoch).
    await firstEvent('run.epoch', (e) => e.runId === runId)
    const ckDir = join(runModelDir(ws, runId), 'checkpoints')
    while (!(existsSync(ckDir) && readdirSync(ckDir).some((d) => existsSync(join(ckDir, d, 'state.json'))))) {
      await new Promise((r) => setTimeout(r, 50))
    }
    ml.trainHostForTests!.kill()
    const end = await waitForState(runId, ['failed', 'done'])
    expect(end.state).toBe('failed')
    expect(end.error).toMatch(/ML process stopped.*SIGKILL/)
    const failed = getRunSummary(ws, runId)
    expect(failed.resumable).toBe(true)
    // Contract calls still answer; the next job starts a fresh process.
    expect(ml.retrainStatus().running).toBeNull()
    ml.resume(runId)
    const resumed = await waitForState(runId, ['done', 'failed'])
    expect(resumed.error ?? null).toBeNull()
    expect(resumed.state).toBe('done')
    expect(getRun(ws, runId).modelId).not.toBeNull()
  }, 600_000)

  it('snapshots the data a run used, so later label changes show as differences', async () => {
    const before = getRun(ws, firstRun).snapshot!
    const img = queryImages(ws, { statuses: ['unlabeled'] }, 0, 1).items[0]!
    const fold = listClasses(ws).find((c) => c.name === 'fold')!
    saveFrameLabels(ws, img.id, [...listLabels(ws, img.id), { classId: fold.id, points: [10.5, 10.5, 30.5, 12.5, 28.5, 40.5] }], 'test')
    const status = ml.retrainStatus()
    expect(status.newDefectLabels).toBeGreaterThanOrEqual(1)
    const runId = ml.train()
    await waitForState(runId, ['done', 'failed'])
    const after = getRun(ws, runId).snapshot!
    expect(after.imageIds).toContain(img.id)
    expect(before.imageIds).not.toContain(img.id)
    expect(after.counts.labeled).toBe(before.counts.labeled + 1)
    const cmp = compareRuns(ws, firstRun, runId)
    expect(cmp.data.onlyB).toBe(1)
    expect(cmp.data.newRevisions).toBeGreaterThanOrEqual(1)
    expect(cmp.overall.miou.delta).toEqual(expect.any(Number))
  }, 600_000)

  it('retrains warm-started from the active model (lower first loss than a cold start) and does not promote when declined', async () => {
    // A model worth starting from: six times the tiny runs' stage-2 steps (a few steps barely move the calibrated start).
    setTrainingSettings(ws, { steps2: 48 })
    const base = ml.train()
    await waitForState(base, ['done', 'failed'])
    setTrainingSettings(ws, { steps2: 8 })
    ml.promote(base)
    const active = ml.retrainStatus().activeModel!
    expect(active.runId).toBe(base)
    const cold = ml.train({ testImageIds: getRun(ws, base).snapshot!.testImageIds })
    await waitForState(cold, ['done', 'failed'])
    const retrain = ml.retrain()
    await waitForState(retrain, ['done', 'failed'])
    const warm = getRun(ws, retrain)
    expect(warm.state).toBe('done')
    expect(warm.warmStartModelId).toBe(active.id)
    // Same frames tested as the active model, so the comparison is like for like.
    expect(compareRuns(ws, base, retrain).data.sameTestSet).toBe(true)
    // Stage 1 was left out: the run says its reconstruction net is the active model's.
    expect(warm.setup?.skipStage1).toBe(true)
    expect(warm.outcome?.plan?.reconReused).toBe(true)
    expect(warm.epochs.some((e) => e.stage === 'recon')).toBe(false)
    const firstDisc = (id: number) => getRun(ws, id).epochs.find((e) => e.stage === 'disc')!.trainLoss
    expect(firstDisc(retrain)).toBeLessThan(firstDisc(cold))
    expect(ml.retrainStatus().pending?.id).toBe(retrain)
    ml.decline(retrain)
    expect(ml.retrainStatus().activeModel!.id).toBe(active.id)
    expect(getRunSummary(ws, retrain).decision).toBe('declined')
    expect(ml.retrainStatus().pending).toBeNull()
  }, 900_000)
})
