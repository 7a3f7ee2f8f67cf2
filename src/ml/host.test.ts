/**
 * The ML host as main uses it: a forked Node process (tsx) driven only by
 * protocol messages.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../shared/arcd/config'
import { isHostMessage, type HostMessage, type ParentMessage, type TrainJobSpec } from '../shared/arcd/protocol'
import { makeSyntheticDataset } from './train/syntheticData'

let tmp: string
let child: ChildProcess
const received: HostMessage[] = []
let stderr = ''
let spec: (name: string, epochs: number) => TrainJobSpec

function send(m: ParentMessage): void {
  child.send(m)
}

function waitFor<T extends HostMessage>(pred: (m: HostMessage) => m is T, timeoutMs = 90_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const found = received.find(pred)
    if (found) return resolve(found)
    const timer = setTimeout(() => reject(new Error(`no matching host message; got ${received.map((m) => m.type).join(',')}; stderr: ${stderr.slice(-2000)}`)), timeoutMs)
    const onMessage = (m: unknown) => {
      if (isHostMessage(m) && pred(m)) {
        clearTimeout(timer)
        child.off('message', onMessage)
        resolve(m)
      }
    }
    child.on('message', onMessage)
  })
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ds-host-'))
  const { items, classes } = await makeSyntheticDataset({ dir: path.join(tmp, 'data'), normal: 10, defects: 10, width: 20, height: 16 })
  spec = (name, epochs) => ({
    kind: 'train',
    runId: name,
    outDir: path.join(tmp, name),
    classes,
    images: items,
    model: { ...CPU_PRESET, size: 16, reconBase: 2, reconDepth: 1, discBase: 2, discDepth: 1 },
    train: { ...DEFAULT_TRAIN, batchSize: 4, lr: 1e-2, stage1Epochs: epochs, stage2Epochs: epochs, budgetMinutes: 0, stage1Steps: epochs * 3, stage2Steps: epochs * 3, evalRounds: epochs },
    stages: ['recon', 'disc'],
    arch: 'arcd'
  })
  child = fork(path.join(__dirname, 'host.ts'), [], {
    execPath: process.execPath,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DEFECT_STUDIO_BACKEND: 'cpu' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc']
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.on('message', (m) => {
    if (isHostMessage(m)) received.push(m)
  })
})

afterAll(async () => {
  if (child.exitCode === null) child.kill()
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('ML host process', () => {
  it('starts, reports its backend, trains a job sent by message, refuses a second one meanwhile', async () => {
    const ready = await waitFor((m): m is Extract<HostMessage, { type: 'ready' }> => m.type === 'ready')
    expect(ready.backend.name).toBe('cpu')
    expect(ready.backend.skipped.length).toBeGreaterThan(0)

    send({ type: 'start', jobId: 'j1', spec: spec('run1', 1) })
    send({ type: 'start', jobId: 'j2', spec: spec('run2', 1) })
    const busy = await waitFor((m): m is Extract<HostMessage, { type: 'error' }> => m.type === 'error' && m.jobId === 'j2')
    expect(busy.code).toBe('busy')

    const done = await waitFor((m): m is Extract<HostMessage, { type: 'done' }> => m.type === 'done' && m.jobId === 'j1')
    expect(done.result.kind).toBe('train')
    const progress = received.filter((m) => m.type === 'progress' && m.jobId === 'j1')
    expect(progress.map((p) => (p.type === 'progress' ? p.stage : ''))).toContain('disc')
    const epochs = received.filter((m) => m.type === 'epoch' && m.jobId === 'j1')
    expect(epochs).toHaveLength(2)
    await expect(fs.access(path.join(tmp, 'run1', 'config.json'))).resolves.toBeUndefined()
  })

  it('cancels a running job with a checkpoint, reports bad input, and shuts down', async () => {
    send({ type: 'start', jobId: 'j3', spec: spec('run3', 50) })
    await waitFor((m): m is Extract<HostMessage, { type: 'progress' }> => m.type === 'progress' && m.jobId === 'j3')
    send({ type: 'cancel', jobId: 'j3' })
    const cancelled = await waitFor((m): m is Extract<HostMessage, { type: 'error' }> => m.type === 'error' && m.jobId === 'j3')
    expect(cancelled.code).toBe('cancelled')
    expect(cancelled.recoverable).toBe(true)
    expect(cancelled.checkpoint).toContain(path.join(tmp, 'run3', 'checkpoints'))

    send({ type: 'start', jobId: 'j4', spec: { kind: 'eval', modelDir: path.join(tmp, 'nowhere'), images: spec('x', 1).images } })
    const bad = await waitFor((m): m is Extract<HostMessage, { type: 'error' }> => m.type === 'error' && m.jobId === 'j4')
    expect(bad.code).toBe('bad-input')
    expect(bad.message).toContain('nowhere')

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    send({ type: 'shutdown' })
    expect(await exited).toBe(0)
  })
})

describe('ML host in an Electron utility process', () => {
  it('talks through process.parentPort when it exists', async () => {
    // Electron's utilityProcess gives the child process.parentPort, with
    // messages wrapped as { data }. Emulate it on top of Node's IPC and tag
    // what goes out through it.
    const shim = path.join(tmp, 'parent-port-shim.cjs')
    await fs.writeFile(
      shim,
      `const { EventEmitter } = require('node:events')
const port = new EventEmitter()
process.on('message', (m) => port.emit('message', { data: m }))
port.postMessage = (m) => process.send({ viaParentPort: m })
process.parentPort = port
`
    )
    const c = fork(path.join(__dirname, 'host.ts'), [], {
      execPath: process.execPath,
      execArgv: ['--require', shim, '--import', 'tsx'],
      env: { ...process.env, DEFECT_STUDIO_BACKEND: 'cpu' },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc']
    })
    const got: unknown[] = []
    const next = (pred: (m: { viaParentPort?: HostMessage }) => boolean) =>
      new Promise<{ viaParentPort?: HostMessage }>((resolve) => {
        const on = (m: unknown) => {
          got.push(m)
          if (pred(m as { viaParentPort?: HostMessage })) {
            c.off('message', on)
            resolve(m as { viaParentPort?: HostMessage })
          }
        }
        c.on('message', on)
      })
    const ready = await next((m) => m.viaParentPort?.type === 'ready')
    expect(ready.viaParentPort).toMatchObject({ type: 'ready', backend: { name: 'cpu' } })
    c.send({ type: 'start', jobId: 'p1', spec: { kind: 'infer', modelDir: path.join(tmp, 'none'), images: [] } })
    const err = await next((m) => m.viaParentPort?.type === 'error')
    expect(err.viaParentPort).toMatchObject({ type: 'error', jobId: 'p1', code: 'bad-input' })
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)))
    c.send({ type: 'shutdown' })
    expect(await exited).toBe(0)
    // Nothing went out around the port.
    expect(got.every((m) => typeof m === 'object' && m !== null && 'viaParentPort' in m)).toBe(true)
  })
})
