import { utilityProcess } from 'electron'
import type { HostProcess } from '../services/training/mlHost'

/**
 * The ML process in the app: an Electron utility process, so no Node binary
 * is needed beside the app. It speaks the same messages as the forked Node
 * child the CLI and tests use (src/ml/host.ts reads process.parentPort).
 */
export function utilityHostProcess(entry: string, env: NodeJS.ProcessEnv = process.env): HostProcess {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Defect Studio ML', stdio: 'pipe', env })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000)
  })
  return {
    get pid() {
      return child.pid
    },
    send: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', l),
    onExit: (l) =>
      child.once('exit', (code) => {
        const tail = stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''
        l(`exit code ${code}${code === 0 ? '' : tail}`)
      }),
    kill: () => {
      child.kill()
    }
  }
}
