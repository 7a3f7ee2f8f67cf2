/**
 * Entry of the ML host process. main starts it as a Node child process
 * (child_process.fork, with tsx in the CLI and tests) or as an Electron
 * utilityProcess, and talks to it with the messages of
 * shared/arcd/protocol.ts. Training runs here, off main's event loop.
 *
 * Transport: Electron's utility process exposes process.parentPort
 * (messages arrive as { data }); a forked Node process has process.send.
 * This file never imports 'electron'.
 */
import type { HostMessage } from '../shared/arcd/protocol'
import { initBackend } from './backend'
import { JobRunner, type Transport } from './jobs/runner'

interface ParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): void
}

function detectTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
  if (parentPort) {
    return {
      send: (m: HostMessage) => parentPort.postMessage(m),
      onMessage: (h) => parentPort.on('message', (e) => h(e.data))
    }
  }
  if (typeof process.send === 'function') {
    return {
      send: (m: HostMessage) => {
        if (process.connected) process.send!(m)
      },
      onMessage: (h) => process.on('message', h)
    }
  }
  throw new Error('src/ml/host.ts must run as a child process (child_process.fork) or an Electron utility process')
}

async function main(): Promise<void> {
  const transport = detectTransport()
  // Messages that arrive while the backend starts are queued, not lost.
  const early: unknown[] = []
  let deliver: ((m: unknown) => void) | null = null
  transport.onMessage((m) => (deliver ? deliver(m) : early.push(m)))

  let backend
  try {
    backend = await initBackend()
  } catch (err) {
    transport.send({ type: 'log', level: 'error', message: `no TF.js backend: ${(err as Error).message}` })
    process.exitCode = 1
    setTimeout(() => process.exit(1), 100)
    return
  }
  const exit = (): void => {
    setTimeout(() => process.exit(0), 50)
  }
  const runner = new JobRunner(
    {
      send: transport.send,
      onMessage: (h) => {
        deliver = h
      }
    },
    { name: backend.name, gpu: backend.gpu, skipped: backend.skipped },
    exit
  )
  transport.send({ type: 'ready', backend: { name: backend.name, gpu: backend.gpu, skipped: backend.skipped } })
  for (const m of early.splice(0)) deliver!(m)
  // A forked host whose parent died has nobody to report to.
  process.on('disconnect', () => runner.shutdown())
}

void main()
