/**
 * `npm run package` end to end, as CI runs it: with no Electron binary here
 * it packages around a stand-in, so this checks the pipeline (electron-builder
 * config, asar contents, unpacked natives, the deb) and that every step it
 * could not do is named with its reason. Then it loads the shipped tree in
 * Node: better-sqlite3, sharp and the ML host on the wasm backend from the
 * unpacked binaries. The fuse step is tested on a synthetic binary that has
 * a fuse wire.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { extractAll, listPackage } from '@electron/asar'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN, GPU_PRESET } from '../src/shared/arcd/config'
import { parseArgs } from '../build/fpm-dpkg.mjs'
import { applyFuses, FUSE_SENTINEL, hasFuseWire } from '../scripts/fuses.mjs'
import { ROOT } from './support/studio'

const OUT = join(ROOT, '.tmp', 'package-e2e')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> }

interface Report {
  standIn: boolean
  built: { target: string; path: string }[]
  skipped: { target: string; reason: string }[]
  steps: { step: string; status: string; detail: string }[]
  checks: { name: string; ok: boolean; detail: string }[]
  ok: boolean
}

describe('packaging', () => {
  let run: { status: number | null; output: string }
  let report: Report
  let scratch: string
  const resources = join(OUT, 'linux-unpacked', 'resources')

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'ds-package-'))
    // npm test builds out/ before the e2e specs; the package step reuses it.
    const res = spawnSync(process.execPath, ['scripts/package.mjs', '--skip-build', '--out', OUT], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
      maxBuffer: 32 * 1024 * 1024
    })
    run = { status: res.status, output: `${res.stdout}\n${res.stderr}` }
    const file = join(OUT, 'package-report.json')
    if (existsSync(file)) report = JSON.parse(readFileSync(file, 'utf8')) as Report
  })

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true })
    rmSync(OUT, { recursive: true, force: true })
  })

  it('produces the Linux targets it can and names every skipped one with its reason', () => {
    expect(run.status, run.output).toBe(0)
    expect(report.ok).toBe(true)
    const built = new Map(report.built.map((b) => [b.target, join(ROOT, b.path)]))
    expect([...built.keys()]).toEqual(expect.arrayContaining(['dir', 'deb']))
    for (const path of built.values()) expect(existsSync(path), path).toBe(true)
    for (const s of report.skipped) {
      expect(s.reason.length, s.target).toBeGreaterThan(40)
      expect(run.output).toContain(`target ${s.target}: SKIPPED: ${s.reason}`)
    }
    if (!process.env.APPIMAGE_TOOLS_PATH) {
      expect(report.skipped.find((s) => s.target === 'AppImage')?.reason).toMatch(/downloads its AppImage toolset.*offline/)
    }
    expect(report.checks.filter((c) => !c.ok)).toEqual([])
  })

  it('says what it did about better-sqlite3 and the fuses, never silently', () => {
    const step = (name: string) => report.steps.find((s) => s.step === name)
    if (report.standIn) {
      expect(run.output).toMatch(/Electron 45\.\d+\.\d+: STAND-IN/)
      expect(step('sqlite')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/not rebuilt for Electron .* ABI/) })
      expect(step('fuses')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/stand-in Electron .* no fuse wire/) })
      expect(run.output).toMatch(/^fuses: SKIPPED: /m)
    } else {
      expect(step('sqlite')?.status).toBe('electron-build')
      expect(step('fuses')?.status).toBe('applied')
    }
  })

  it('app.asar holds out/ and the production dependencies; natives and wasm are unpacked; no dev dependency or source shipped', () => {
    const inAsar = listPackage(join(resources, 'app.asar'), { isPack: false }).map((p) => p.replace(/^\//, ''))
    for (const f of ['package.json', 'out/main/index.js', 'out/main/ml-host.js', 'out/preload/index.js', 'out/renderer/index.html']) {
      expect(inAsar).toContain(f)
    }
    const unpacked = join(resources, 'app.asar.unpacked', 'node_modules')
    expect(existsSync(join(unpacked, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true)
    expect(readdirSync(join(unpacked, '@img', 'sharp-linux-x64', 'lib')).some((f) => f.endsWith('.node'))).toBe(true)
    expect(readdirSync(join(unpacked, '@img', 'sharp-libvips-linux-x64', 'lib')).some((f) => f.startsWith('libvips-cpp.so'))).toBe(true)
    for (const w of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      expect(existsSync(join(unpacked, '@tensorflow', 'tfjs-backend-wasm', 'dist', w)), w).toBe(true)
    }
    const modules = new Set(inAsar.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')))
    const dev = Object.keys(pkg.devDependencies).filter((d) => modules.has(d) || existsSync(join(unpacked, d)))
    expect(dev).toEqual([])
    expect(modules.has('@tensorflow/tfjs-node-gpu')).toBe(process.env.DEFECT_STUDIO_BUNDLE_GPU === '1')
    expect(inAsar.filter((f) => /^(src|e2e|scripts|build|bench|\.tmp)\//.test(f) || f.endsWith('.map'))).toEqual([])
    for (const p of ['cpu.json', 'gpu.json']) expect(existsSync(join(resources, 'presets', p)), p).toBe(true)
  })

  it('the shipped tree loads in Node: better-sqlite3, sharp, and the ML host on wasm from the unpacked binaries', async () => {
    const app = join(scratch, 'app')
    extractAll(join(resources, 'app.asar'), app)
    const wasmDir = join(resources, 'app.asar.unpacked', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')
    if (report.standIn) {
      // The stand-in package carries the Node build of better-sqlite3; a real one carries Electron's, which Node can't load.
      const out = execFileSync(
        process.execPath,
        ['-e', "const D = require('better-sqlite3'); const db = new D(':memory:'); console.log(db.pragma('journal_mode', { simple: true }))"],
        { cwd: app, encoding: 'utf8' }
      )
      expect(out.trim()).toBe('memory')
    }
    const sharpOut = execFileSync(process.execPath, ['-e', "require('sharp')(process.argv[1]).metadata().then((m) => console.log(m.width))", join(ROOT, 'build', 'icon.png')], {
      cwd: app,
      encoding: 'utf8'
    })
    expect(sharpOut.trim()).toBe('512')

    const child = fork(join(app, 'out', 'main', 'ml-host.js'), [], {
      env: { ...process.env, DEFECT_STUDIO_WASM_DIR: wasmDir, DEFECT_STUDIO_BACKEND: 'wasm' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc']
    })
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    const ready = await new Promise<{ name: string }>((ok, fail) => {
      child.on('message', (m: { type?: string; backend?: { name: string } }) => {
        if (m.type === 'ready' && m.backend) ok(m.backend)
      })
      child.once('exit', (code) => fail(new Error(`ML host exited with ${code}: ${stderr}`)))
    })
    expect(ready.name).toBe('wasm')
    const exited = new Promise((ok) => child.once('exit', ok))
    child.send({ type: 'shutdown' })
    await exited
  })

  it('the deb installs the app under /opt with its desktop entry, icons and control fields', () => {
    const deb = report.built.find((b) => b.target === 'deb')
    expect(deb).toBeDefined()
    const file = join(ROOT, deb!.path)
    const list = execFileSync('dpkg-deb', ['-c', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    expect(list).toContain('./opt/Defect Studio/defect-studio')
    expect(list).toContain('./opt/Defect Studio/resources/app.asar')
    expect(list).toContain('./opt/Defect Studio/resources/presets/cpu.json')
    expect(list).toContain('./usr/share/applications/defect-studio.desktop')
    expect(list).toContain('./usr/share/icons/hicolor/512x512/apps/defect-studio.png')
    const field = (f: string) => execFileSync('dpkg-deb', ['-f', file, f], { encoding: 'utf8' }).trim()
    expect([field('Package'), field('Version'), field('Architecture')]).toEqual(['defect-studio', pkg.version, 'amd64'])
    expect(field('Depends')).toMatch(/libgtk-3-0/)
    const control = execFileSync('dpkg-deb', ['-I', file], { encoding: 'utf8' })
    expect(control).toMatch(/postinst/)
  })
})

describe('fuse step', () => {
  /** A file shaped like an Electron binary around its fuse wire: sentinel, version 1, length, one byte per fuse. */
  function fakeElectron(dir: string, withWire: boolean): string {
    const file = join(dir, 'defect-studio')
    const wire = withWire ? Buffer.concat([Buffer.from(FUSE_SENTINEL, 'latin1'), Buffer.from([1, 8]), Buffer.from('01110101', 'latin1')]) : Buffer.alloc(0)
    writeFileSync(file, Buffer.concat([Buffer.alloc(4096, 7), wire, Buffer.alloc(4096, 9)]))
    return file
  }
  const context = (dir: string) => ({ appOutDir: dir, electronPlatformName: 'linux', packager: { executableName: 'defect-studio', appInfo: { productFilename: 'Defect Studio' } } })

  it('flips RunAsNode off, cookie encryption and ASAR integrity on, and reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-fuses-'))
    try {
      const exe = fakeElectron(dir, true)
      expect(hasFuseWire(exe)).toBe(true)
      const res = await applyFuses(context(dir), { log: () => undefined })
      expect(res.status).toBe('applied')
      expect(res.detail).toMatch(/RunAsNode=off.*EnableCookieEncryption=on.*EnableEmbeddedAsarIntegrityValidation=on.*OnlyLoadAppFromAsar=on/)
      const bytes = readFileSync(exe)
      const at = bytes.indexOf(Buffer.from(FUSE_SENTINEL, 'latin1')) + FUSE_SENTINEL.length + 2
      // Fuse order (FuseV1Options): RunAsNode, CookieEncryption, NODE_OPTIONS, --inspect, AsarIntegrity, OnlyLoadAppFromAsar, ...
      expect(bytes.subarray(at, at + 6).toString('latin1')).toBe('010011')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('skips, saying why, for the stand-in; refuses a real-looking binary without a fuse wire', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-fuses-'))
    try {
      fakeElectron(dir, false)
      const logged: string[] = []
      expect(await applyFuses(context(dir), { standIn: true, log: (m) => logged.push(m) })).toMatchObject({ status: 'skipped' })
      expect(logged.join('\n')).toMatch(/^fuses: SKIPPED: .*stand-in/)
      await expect(applyFuses(context(dir), { log: () => undefined })).rejects.toThrow(/no Electron fuse wire .* Refusing to ship/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('shipped assets', () => {
  it('the preset files hold the presets of src/shared/arcd/config.ts', () => {
    const read = (name: string) => JSON.parse(readFileSync(join(ROOT, 'resources', 'presets', `${name}.json`), 'utf8')) as { name: string; model: unknown; train: unknown }
    expect(read('cpu')).toMatchObject({ name: 'cpu', model: CPU_PRESET, train: DEFAULT_TRAIN })
    expect(read('gpu')).toMatchObject({ name: 'gpu', model: GPU_PRESET, train: DEFAULT_TRAIN })
  })

  it('icons: every Linux size as a PNG of that size, and a Windows .ico with 16 to 256 px', async () => {
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      const meta = await sharp(join(ROOT, 'build', 'icons', `${size}x${size}.png`)).metadata()
      expect([meta.width, meta.height]).toEqual([size, size])
    }
    const ico = readFileSync(join(ROOT, 'build', 'icon.ico'))
    expect(ico.readUInt16LE(2)).toBe(1)
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + 16 * i] || 256)
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256])
    expect(statSync(join(ROOT, 'build', 'icon.svg')).size).toBeGreaterThan(0)
  })

  it('the offline fpm stand-in refuses what it does not implement', () => {
    expect(() => parseArgs(['-s', 'dir', '-t', 'rpm', '--name', 'x', '--version', '1', '--architecture', 'amd64', '--package', 'x.rpm'])).toThrow(/only -s dir -t deb/)
    expect(() => parseArgs(['-s', 'dir', '-t', 'deb', '--rpm-os', 'linux'])).toThrow(/unsupported fpm option --rpm-os/)
    const o = parseArgs(['-s', 'dir', '--force', '-t', 'deb', '-d', 'a', '-d', 'b', '--name', 'x', '--version', '1', '--architecture', 'amd64', '--package', 'x.deb', '/a/=/opt/X'])
    expect(o.depends).toEqual(['a', 'b'])
    expect(o.mappings).toEqual([{ from: '/a/', to: '/opt/X' }])
  })
})
