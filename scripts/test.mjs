// `npm test`: everything CI checks, in order: types, lint, the build the e2e
// specs load, then every vitest project (unit, integration, e2e). Ends with
// one plain "N passed, N failed, N skipped" line.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const only = process.argv.slice(2)
const steps = [
  ['typecheck', ['npm', 'run', '-s', 'typecheck']],
  ['lint', ['npm', 'run', '-s', 'lint']],
  ['build', ['npm', 'run', '-s', 'build']],
  ['vitest', ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.tmp/vitest.json', ...only]]
]

mkdirSync('.tmp', { recursive: true })
rmSync('.tmp/vitest.json', { force: true })
let failedStep = null
for (const [name, cmd] of steps) {
  const started = Date.now()
  process.stdout.write(`\n=== ${name}: ${cmd.join(' ')}\n`)
  const res = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } })
  process.stdout.write(`=== ${name}: ${res.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  if (res.status !== 0) {
    failedStep = name
    if (name !== 'vitest') break
  }
}

let passed = 0
let failed = 0
let skipped = 0
if (existsSync('.tmp/vitest.json') && (failedStep === null || failedStep === 'vitest')) {
  const report = JSON.parse(readFileSync('.tmp/vitest.json', 'utf8'))
  passed = report.numPassedTests ?? 0
  failed = report.numFailedTests ?? 0
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
}
if (failedStep && failedStep !== 'vitest') failed += 1
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
if (failedStep) process.stdout.write(`step failed: ${failedStep}\n`)
process.exit(failedStep ? 1 : 0)
