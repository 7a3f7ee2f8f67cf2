/**
 * Contract round trips while a training run works in the ML process: the
 * main event loop must stay free (goal: p99 under 50 ms). Calls go through
 * the loopback web transport, as the UI's would.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHandlers } from '../src/main/app/handlers'
import { Session } from '../src/main/app/session'
import { createDemoWorkspace } from '../src/main/services/demo/demoWorkspace'
import { startWebTransport } from '../src/main/transport/webServer'

export interface LatencyResult {
  calls: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  trainingRan: boolean
}

export async function runTrainingLatencyBench(seconds = 20): Promise<LatencyResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'ds-bench-latency-'))
  const { workspace } = await createDemoWorkspace(join(tmp, 'ws'), { framesPerView: 12, width: 96, height: 192, defectRate: 0.5 })
  workspace.close()
  const session = new Session()
  await session.open(join(tmp, 'ws'))
  const handlers = createHandlers({ session, shell: 'web', version: 'bench' })
  const t = await startWebTransport({ handlers, events: session.events, rendererDir: join(__dirname, '..', 'out', 'renderer') })
  const call = async (channel: string, args: unknown): Promise<unknown> => {
    const res = await fetch(`http://127.0.0.1:${t.port}/__studio/rpc/${channel}`, {
      method: 'POST',
      headers: { 'x-studio-token': t.token, 'content-type': 'application/json' },
      body: JSON.stringify(args)
    })
    return res.json()
  }
  try {
    await call('settings.setTraining', { size: 64, reconBase: 8, discBase: 8, epochs1: 50, epochs2: 50, batchSize: 4 })
    await call('runs.train', {})
    // Wait until the ML process is busy with the run.
    let running = false
    for (let i = 0; i < 600 && !running; i++) {
      const runs = (await call('runs.list', {})) as { value: { state: string }[] }
      running = runs.value.some((r) => r.state === 'running')
      if (!running) await new Promise((r) => setTimeout(r, 100))
    }
    const times: number[] = []
    const end = Date.now() + seconds * 1000
    while (Date.now() < end) {
      const t0 = performance.now()
      await call('images.query', { filter: {}, offset: 0, limit: 100 })
      await call('retrain.status', {})
      times.push((performance.now() - t0) / 2)
      await new Promise((r) => setTimeout(r, 20))
    }
    const runs = (await call('runs.list', {})) as { value: { id: number; state: string }[] }
    const run = runs.value[0]!
    const trainingRan = run.state === 'running'
    await call('runs.cancel', { runId: run.id })
    times.sort((a, b) => a - b)
    const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!
    return { calls: times.length * 2, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: times[times.length - 1]!, trainingRan }
  } finally {
    await t.close()
    await session.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}
