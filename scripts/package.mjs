// `npm run package`: the installable app, with electron-builder.
//
//   npm run package [-- --targets dir,deb,AppImage] [--win] [--electron-dist <dir>]
//                   [--out <dir>] [--skip-build] [--deb-compression xz|gz]
//
// Builds what this machine can build and says exactly what it skipped and why:
// - Electron: --electron-dist, ELECTRON_OVERRIDE_DIST_PATH or node_modules/electron/dist;
//   without a binary (an offline install) a STAND-IN folder is used, and the result is a
//   pipeline check that can't run.
// - better-sqlite3 is rebuilt for Electron's ABI in a copy (node_modules keeps the Node
//   build for the tests and the CLI); the stand-in has no headers, so there it is skipped.
// - Linux targets: dir always; deb through fpm, or, offline, through build/fpm-dpkg.mjs
//   (Debian's dpkg-deb); AppImage only where electron-builder's AppImage toolset is
//   available (APPIMAGE_TOOLS_PATH), since it is downloaded. NSIS (--win) needs a Windows
//   Electron build and the NSIS toolset.
// - Fuses are flipped in afterPack (scripts/fuses.mjs); skipped, loudly, for the stand-in.
// Then the result is checked (asar contents, unpacked natives, no dev dependency) and a
// report is written to <out>/package-report.json. Exit 1 when a build step or a check fails.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createConfig, EXECUTABLE } from '../build/electron-builder.mjs'

const require = createRequire(import.meta.url)
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const ELECTRON_VERSION = require('electron/package.json').version

// ---------------------------------------------------------------- Electron

/** A real unpacked Electron for Linux, or null with the reason there is none. */
export function findElectron(flag, env = process.env) {
  const candidates = [
    flag && ['--electron-dist', flag],
    env.ELECTRON_OVERRIDE_DIST_PATH && ['ELECTRON_OVERRIDE_DIST_PATH', env.ELECTRON_OVERRIDE_DIST_PATH],
    ['node_modules/electron/dist', join(ROOT, 'node_modules', 'electron', 'dist')]
  ].filter(Boolean)
  for (const [from, dir] of candidates) {
    if (existsSync(join(dir, 'electron'))) {
      const version = existsSync(join(dir, 'version')) ? readFileSync(join(dir, 'version'), 'utf8').trim().replace(/^v/, '') : 'unknown'
      if (version !== ELECTRON_VERSION) throw new Error(`${from} holds Electron ${version}; this app is built against ${ELECTRON_VERSION}`)
      return { dir, from }
    }
    if (from !== 'node_modules/electron/dist') throw new Error(`${from}=${dir} has no electron binary`)
  }
  return null
}

/**
 * A folder shaped like an unpacked Electron for Linux, whose `electron` is a
 * shell script: what electron-builder copies and renames (electron ->
 * defect-studio, LICENSE -> LICENSE.electron.txt) is there, the binary is not.
 */
export function makeStandIn(dir) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'resources'), { recursive: true })
  mkdirSync(join(dir, 'locales'), { recursive: true })
  writeFileSync(
    join(dir, 'electron'),
    `#!/bin/sh\necho "Defect Studio was packaged around a stand-in Electron (no Electron ${ELECTRON_VERSION} binary on the build machine); it cannot run. Package again with a real Electron (see README, Packaging)." >&2\nexit 1\n`
  )
  chmodSync(join(dir, 'electron'), 0o755)
  writeFileSync(join(dir, 'chrome-sandbox'), '')
  writeFileSync(join(dir, 'version'), `${ELECTRON_VERSION}\n`)
  cpSync(join(ROOT, 'node_modules', 'electron', 'LICENSE'), join(dir, 'LICENSE'))
  writeFileSync(join(dir, 'LICENSES.chromium.html'), '<!-- stand-in: the real file lists Chromium\'s licenses -->\n')
  writeFileSync(join(dir, 'locales', 'en-US.pak'), '')
  writeFileSync(join(dir, 'STAND-IN.txt'), `Not Electron: a stand-in for packaging-pipeline checks (Electron ${ELECTRON_VERSION}).\n`)
  return dir
}

// ---------------------------------------------------------------- better-sqlite3 for Electron

/** Rebuilds better-sqlite3 for Electron's ABI in a scratch copy; returns the .node path. */
async function rebuildSqlite(scratch) {
  const work = join(scratch, 'sqlite-electron')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(join(work, 'node_modules'), { recursive: true })
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'sqlite-electron', version: '0.0.0', dependencies: { 'better-sqlite3': pkg.dependencies['better-sqlite3'] } }))
  for (const dep of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
    if (existsSync(join(ROOT, 'node_modules', dep))) cpSync(join(ROOT, 'node_modules', dep), join(work, 'node_modules', dep), { recursive: true })
  }
  rmSync(join(work, 'node_modules', 'better-sqlite3', 'build'), { recursive: true, force: true })
  const { rebuild } = require('@electron/rebuild')
  await rebuild({ buildPath: work, electronVersion: ELECTRON_VERSION, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true })
  const built = join(work, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
  if (!existsSync(built)) throw new Error(`@electron/rebuild finished but ${built} is missing`)
  return built
}

// ---------------------------------------------------------------- targets

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

/** Which of the wanted targets this machine can build, and why not the others. */
export function planTargets(wanted, { standIn, win, env = process.env }) {
  const build = []
  const skipped = []
  const toolEnv = {}
  for (const t of wanted) {
    if (t === 'dir') build.push(t)
    else if (t === 'deb') {
      if (onPath('fpm')) {
        toolEnv.USE_SYSTEM_FPM = 'true'
        build.push(t)
      } else if (onPath('dpkg-deb')) {
        toolEnv.CUSTOM_FPM_PATH = join(ROOT, 'build', 'fpm-dpkg.mjs')
        // electron-builder runs it directly; a checkout may have lost the executable bit.
        chmodSync(toolEnv.CUSTOM_FPM_PATH, 0o755)
        build.push(t)
      } else skipped.push({ target: t, reason: 'no fpm and no dpkg-deb on this machine (electron-builder would download fpm; install dpkg or fpm)' })
    } else if (t === 'AppImage') {
      if (env.APPIMAGE_TOOLS_PATH) build.push(t)
      else {
        skipped.push({
          target: t,
          reason:
            "electron-builder downloads its AppImage toolset (the AppImage runtime and mksquashfs, from electron-builder-binaries) on first use; this machine is offline with no cached copy, and Debian packages no AppImage runtime. Set APPIMAGE_TOOLS_PATH to an unpacked toolset, or run `npm run package` where the download works"
        })
      }
    } else skipped.push({ target: t, reason: `unknown Linux target ${t}` })
  }
  if (win) {
    skipped.push({
      target: 'nsis',
      reason: standIn
        ? 'needs a Windows Electron build (electron.exe) and electron-builder\'s NSIS toolset, both downloaded; neither is here. Build it on Windows (or online): npm run package -- --win'
        : 'a Windows installer is built on Windows: run `npm run package -- --win` there (electron-builder fetches NSIS)'
    })
  }
  return { build, skipped, toolEnv }
}

// ---------------------------------------------------------------- checks

/** Every file in app.asar, as 'out/main/index.js' (no leading slash). */
export function listAsar(asarFile) {
  const asar = require('@electron/asar')
  return asar.listPackage(asarFile, { isPack: false }).map((p) => p.replace(/^[\\/]/, '').split('\\').join('/'))
}

function walk(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)).map((f) => `${n}/${f}`) : [n]))
}

/**
 * The checks on a linux-unpacked folder: the app's own files are in the asar,
 * natives and wasm are unpacked, presets are beside it, and nothing a
 * developer needs (dev dependencies, sources) was shipped.
 */
export function checkUnpacked(appDir, { bundleGpu = false } = {}) {
  const resources = join(appDir, 'resources')
  const asarFile = join(resources, 'app.asar')
  const checks = []
  const check = (name, ok, detail = '') => checks.push({ name, ok: Boolean(ok), detail })
  check('app.asar exists', existsSync(asarFile), asarFile)
  if (!existsSync(asarFile)) return checks
  const inAsar = new Set(listAsar(asarFile))
  const unpacked = walk(join(resources, 'app.asar.unpacked'))
  for (const f of ['package.json', 'out/main/index.js', 'out/main/ml-host.js', 'out/preload/index.js', 'out/renderer/index.html']) {
    check(`asar holds ${f}`, inAsar.has(f))
  }
  check('asar holds the production dependencies', ['better-sqlite3', 'sharp', 'zod', '@tensorflow/tfjs', '@tensorflow/tfjs-core'].every((d) => inAsar.has(`node_modules/${d}/package.json`)))
  const devDeps = Object.keys(pkg.devDependencies ?? {})
  const shippedDev = devDeps.filter((d) => [...inAsar].some((f) => f.startsWith(`node_modules/${d}/`)) || unpacked.some((f) => f.startsWith(`node_modules/${d}/`)))
  check('no dev dependency shipped', shippedDev.length === 0, shippedDev.join(', '))
  const projectFiles = [...inAsar].filter((f) => /^(src|e2e|bench|scripts|build|docs|\.tmp|\.ci|resources)\//.test(f) || f.startsWith('node_modules/.bin/'))
  check('no sources or project files in the asar', projectFiles.length === 0, projectFiles.slice(0, 5).join(', '))
  check('no source maps shipped', ![...inAsar].some((f) => f.endsWith('.map')))
  check('better-sqlite3 addon unpacked', unpacked.includes('node_modules/better-sqlite3/build/Release/better_sqlite3.node'))
  check('sharp addon unpacked', unpacked.some((f) => /^node_modules\/@img\/sharp-linux-x64\/lib\/sharp-linux-x64[\w.-]*\.node$/.test(f)))
  check('libvips unpacked', unpacked.some((f) => /^node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/.test(f)))
  check(
    'tfjs-backend-wasm binaries unpacked',
    ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].every((w) => unpacked.includes(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${w}`))
  )
  const gpuShipped = [...inAsar, ...unpacked].some((f) => f.startsWith('node_modules/@tensorflow/tfjs-node-gpu/'))
  check(bundleGpu ? 'tfjs-node-gpu bundled (DEFECT_STUDIO_BUNDLE_GPU=1)' : 'tfjs-node-gpu not bundled', gpuShipped === bundleGpu)
  check('model presets shipped', ['cpu.json', 'gpu.json'].every((p) => existsSync(join(resources, 'presets', p))))
  check('executable present', existsSync(join(appDir, EXECUTABLE)))
  return checks
}

/** The deb's file list and control fields. */
export function checkDeb(debFile) {
  const checks = []
  const check = (name, ok, detail = '') => checks.push({ name, ok: Boolean(ok), detail })
  const list = execFileSync('dpkg-deb', ['-c', debFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const field = (f) => execFileSync('dpkg-deb', ['-f', debFile, f], { encoding: 'utf8' }).trim()
  check('deb installs the app under /opt', list.includes(`./opt/Defect Studio/${EXECUTABLE}`) && list.includes('./opt/Defect Studio/resources/app.asar'))
  check('deb carries the unpacked natives', list.includes('./opt/Defect Studio/resources/app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node'))
  check('deb installs a desktop entry and icons', list.includes(`./usr/share/applications/${EXECUTABLE}.desktop`) && list.includes(`./usr/share/icons/hicolor/256x256/apps/${EXECUTABLE}.png`))
  check('deb control fields', field('Package') === EXECUTABLE && field('Version') === pkg.version && field('Architecture') === 'amd64', `${field('Package')} ${field('Version')} ${field('Architecture')}`)
  return checks
}

// ---------------------------------------------------------------- main

function parseCli(argv) {
  const o = { targets: ['dir', 'deb', 'AppImage'], win: false, out: 'dist', skipBuild: false, electronDist: undefined, debCompression: undefined }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--targets') o.targets = value().split(',').filter(Boolean)
    else if (a === '--win') o.win = true
    else if (a === '--out') o.out = value()
    else if (a === '--skip-build') o.skipBuild = true
    else if (a === '--electron-dist') o.electronDist = value()
    else if (a === '--deb-compression') o.debCompression = value()
    else throw new Error(`unknown option ${a}`)
  }
  return o
}

export async function packageApp(opts) {
  const out = resolve(ROOT, opts.out)
  const scratch = join(ROOT, '.tmp', 'package')
  mkdirSync(scratch, { recursive: true })
  const bundleGpu = process.env.DEFECT_STUDIO_BUNDLE_GPU === '1'
  const report = { version: pkg.version, electron: ELECTRON_VERSION, standIn: false, built: [], skipped: [], steps: [], checks: [], ok: false }
  const say = (m) => process.stdout.write(`${m}\n`)

  if (bundleGpu && !existsSync(join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'package.json'))) {
    throw new Error('DEFECT_STUDIO_BUNDLE_GPU=1, but @tensorflow/tfjs-node-gpu is not installed (npm install it where its libtensorflow download works)')
  }
  const real = findElectron(opts.electronDist)
  let electronDist
  if (real) {
    electronDist = real.dir
    say(`Electron ${ELECTRON_VERSION}: ${real.dir} (from ${real.from})`)
  } else {
    report.standIn = true
    electronDist = makeStandIn(join(scratch, 'electron-stand-in'))
    say(
      `Electron ${ELECTRON_VERSION}: STAND-IN at ${relative(ROOT, electronDist)}: no Electron binary on this machine (its download was skipped or failed). ` +
        'The package checks the pipeline and cannot run; give --electron-dist or ELECTRON_OVERRIDE_DIST_PATH for a real one.'
    )
  }

  if (!opts.skipBuild) {
    say('build: electron-vite build')
    execFileSync(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' })
  }
  if (!existsSync(join(ROOT, 'out', 'main', 'index.js'))) throw new Error('out/main/index.js is missing: run without --skip-build')

  let sqliteElectron
  if (report.standIn) {
    const detail =
      `SKIPPED: better-sqlite3 was not rebuilt for Electron ${ELECTRON_VERSION}'s ABI: the stand-in has no Electron headers and this machine cannot download them. ` +
      `The package carries the Node ${process.versions.node} build (ABI ${process.versions.modules}), which Electron would refuse to load.`
    report.steps.push({ step: 'sqlite', status: 'skipped', detail })
    say(`better-sqlite3: ${detail}`)
  } else {
    say(`better-sqlite3: rebuilding for Electron ${ELECTRON_VERSION} in ${relative(ROOT, scratch)} (node_modules keeps the Node build)`)
    try {
      sqliteElectron = await rebuildSqlite(scratch)
    } catch (err) {
      throw new Error(
        `better-sqlite3 could not be rebuilt for Electron ${ELECTRON_VERSION}: ${err.message.split('\n')[0]}. ` +
          'The rebuild needs Electron\'s headers (downloaded by @electron/rebuild; offline, put them in ~/.electron-gyp) and a C++ toolchain (python3, make, g++).'
      )
    }
    report.steps.push({ step: 'sqlite', status: 'rebuilt', detail: sqliteElectron })
  }

  const plan = planTargets(opts.targets, { standIn: report.standIn, win: opts.win })
  report.skipped.push(...plan.skipped)
  for (const s of plan.skipped) say(`target ${s.target}: SKIPPED: ${s.reason}`)
  const { build, Platform, Arch } = require('electron-builder')
  const config = createConfig({
    electronDist,
    standIn: report.standIn,
    sqliteElectron,
    bundleGpu,
    output: out,
    linuxTargets: plan.build,
    debCompression: opts.debCompression,
    report: (r) => report.steps.push(r)
  })
  rmSync(out, { recursive: true, force: true })
  Object.assign(process.env, plan.toolEnv)
  say(`electron-builder: linux x64 targets ${plan.build.join(', ')}${plan.toolEnv.CUSTOM_FPM_PATH ? ' (deb through dpkg-deb: build/fpm-dpkg.mjs stands in for fpm)' : ''}`)
  const artifacts = await build({ targets: Platform.LINUX.createTarget(plan.build, Arch.x64), config, publish: 'never', projectDir: ROOT })
  const appDir = join(out, 'linux-unpacked')
  if (plan.build.includes('dir')) report.built.push({ target: 'dir', path: relative(ROOT, appDir) })
  for (const a of artifacts) {
    const target = a.endsWith('.deb') ? 'deb' : a.endsWith('.AppImage') ? 'AppImage' : null
    if (target) report.built.push({ target, path: relative(ROOT, a) })
  }
  if (!report.steps.some((s) => s.step === 'fuses')) report.steps.push({ step: 'fuses', status: 'missing', detail: 'afterPack did not run the fuse step' })

  report.checks.push(...checkUnpacked(appDir, { bundleGpu }))
  const deb = report.built.find((b) => b.target === 'deb')
  if (deb) report.checks.push(...checkDeb(join(ROOT, deb.path)))
  report.ok = report.checks.every((c) => c.ok) && !report.steps.some((s) => s.status === 'missing')
  writeFileSync(join(out, 'package-report.json'), JSON.stringify(report, null, 2) + '\n')

  say('')
  say(`Defect Studio ${pkg.version}, linux x64, Electron ${ELECTRON_VERSION}${report.standIn ? ' (STAND-IN: pipeline check, does not run)' : ''}`)
  for (const b of report.built) say(`  built    ${b.target.padEnd(9)} ${b.path}`)
  for (const s of report.skipped) say(`  skipped  ${s.target.padEnd(9)} ${s.reason}`)
  for (const s of report.steps) say(`  ${s.step.padEnd(8)} ${s.status}: ${s.detail}`)
  for (const c of report.checks.filter((x) => !x.ok)) say(`  FAILED check: ${c.name}${c.detail ? ` (${c.detail})` : ''}`)
  say(`  checks   ${report.checks.filter((c) => c.ok).length}/${report.checks.length} passed; report: ${relative(ROOT, join(out, 'package-report.json'))}`)
  return report
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const report = await packageApp(parseCli(process.argv.slice(2)))
    process.exit(report.ok ? 0 : 1)
  } catch (err) {
    process.stderr.write(`package: ${err.message}\n`)
    process.exit(1)
  }
}
