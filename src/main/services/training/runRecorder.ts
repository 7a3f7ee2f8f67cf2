import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { RunProgress } from '../../../shared/contract'
import { nowIso } from '../../db/connection'
import type { EventHub } from '../events'
import { finishRun, runModelDir, setRunBackend } from '../runs'
import type { Workspace } from '../workspace'
import { MlJobError } from './mlHost'
import { getRunSummary } from './runsRead'

const PROGRESS_STORE_MS = 1000

/**
 * The run rows' side of the ML lanes: each change of a run's state, its
 * progress, a failure and the checkpoint it left, written to SQLite and
 * announced as an event, so a closed app or a crashed ML process still
 * leaves a record that says what happened.
 */
export class RunRecorder {
  private readonly lastStored = new Map<number, number>()

  constructor(
    private readonly ws: Workspace,
    private readonly events: EventHub
  ) {}

  /** Runs a previous session left running have no process any more. */
  failStale(): void {
    const stale = this.ws.db.prepare("SELECT id FROM runs WHERE state IN ('queued', 'running', 'cancelling')").pluck().all() as number[]
    for (const id of stale) {
      finishRun(this.ws, id, 'failed', { error: 'The app closed while this run was in progress.' })
      this.setCheckpointIfAny(id)
    }
  }

  running(runId: number): void {
    this.ws.db.prepare("UPDATE runs SET state = 'running', started_at = coalesce(started_at, ?) WHERE id = ?").run(nowIso(), runId)
    this.emitState(runId)
  }

  backend(runId: number, name: string): void {
    setRunBackend(this.ws, runId, name)
  }

  /** Every report goes out as an event; the row keeps one a second, enough to show after a restart. */
  progress(runId: number, p: Omit<RunProgress, 'runId'>): void {
    const payload = { runId, stage: p.stage, epoch: p.epoch, epochs: p.epochs, step: p.step, steps: p.steps, loss: p.loss, imagesPerSec: p.imagesPerSec, etaSec: p.etaSec }
    this.events.emit('run.progress', payload)
    const now = Date.now()
    if (now - (this.lastStored.get(runId) ?? 0) > PROGRESS_STORE_MS) {
      this.lastStored.set(runId, now)
      this.ws.db.prepare('UPDATE runs SET progress = ? WHERE id = ?').run(JSON.stringify(payload), runId)
    }
  }

  /** A cancel ends the run as cancelled, anything else as failed with its message; either keeps its checkpoint for a resume. */
  fail(runId: number, err: unknown): void {
    const cancelled = err instanceof MlJobError && err.code === 'cancelled'
    const message = err instanceof Error ? err.message : String(err)
    finishRun(this.ws, runId, cancelled ? 'cancelled' : 'failed', cancelled ? {} : { error: message })
    if (err instanceof MlJobError && err.checkpoint) this.ws.db.prepare('UPDATE runs SET checkpoint = ? WHERE id = ?').run(err.checkpoint, runId)
    else this.setCheckpointIfAny(runId)
    this.emitState(runId)
    this.events.emit('workspace.changed', { what: 'runs' })
  }

  emitState(runId: number): void {
    const r = getRunSummary(this.ws, runId)
    this.events.emit('run.state', { runId, kind: r.kind, state: r.state, ...(r.error ? { error: r.error } : {}) })
  }

  private setCheckpointIfAny(runId: number): void {
    const dir = join(runModelDir(this.ws, runId), 'checkpoints')
    if (existsSync(dir)) this.ws.db.prepare('UPDATE runs SET checkpoint = ? WHERE id = ?').run(dir, runId)
  }
}
