#!/usr/bin/env node
// A stand-in for fpm covering exactly what electron-builder 26 passes it for
// a deb (`fpm -s dir -t deb ... src=dest ...`), built with Debian's own
// dpkg-deb. electron-builder downloads fpm (a Ruby bundle) on first use; an
// offline machine can't, so scripts/package.mjs points CUSTOM_FPM_PATH here
// when no real fpm is on PATH. Anything it doesn't understand is an error,
// never ignored.
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const VALUE_FLAGS = new Map([
  ['-s', 'source'], ['-t', 'target'], ['-d', 'depends'], ['--deb-recommends', 'recommends'], ['--deb-compression', 'compression'],
  ['--architecture', 'architecture'], ['--after-install', 'afterInstall'], ['--after-remove', 'afterRemove'], ['--description', 'description'],
  ['--version', 'version'], ['--package', 'package'], ['--name', 'name'], ['--maintainer', 'maintainer'], ['--vendor', 'vendor'],
  ['--url', 'url'], ['--category', 'category'], ['--deb-priority', 'priority'], ['--license', 'license'], ['--iteration', 'iteration'], ['--log', 'log']
])
const LISTS = new Set(['depends', 'recommends'])

export function parseArgs(argv) {
  const o = { depends: [], recommends: [], mappings: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--force' || a === '--debug') continue
    const key = VALUE_FLAGS.get(a)
    if (key) {
      const v = argv[++i]
      if (v === undefined) throw new Error(`fpm-dpkg: ${a} needs a value`)
      if (LISTS.has(key)) o[key].push(v)
      else o[key] = v
      continue
    }
    if (a.startsWith('-')) throw new Error(`fpm-dpkg: unsupported fpm option ${a} (only what electron-builder passes for a deb is implemented)`)
    const eq = a.indexOf('=')
    if (eq <= 0) throw new Error(`fpm-dpkg: expected src=dest, got ${a}`)
    o.mappings.push({ from: a.slice(0, eq), to: a.slice(eq + 1) })
  }
  if (o.source !== 'dir' || o.target !== 'deb') throw new Error(`fpm-dpkg: only -s dir -t deb is supported (got -s ${o.source} -t ${o.target})`)
  for (const k of ['name', 'version', 'architecture', 'package']) if (!o[k]) throw new Error(`fpm-dpkg: missing --${k}`)
  return o
}

/** Debian's control-file form: the first line is the synopsis, the rest indented, blank lines as " .". */
export function controlDescription(text) {
  const [first = '', ...rest] = (text ?? '').split('\n')
  return [first.trim(), ...rest.map((l) => (l.trim() === '' ? ' .' : ` ${l.trim()}`))].join('\n')
}

function sizeKb(dir) {
  let bytes = 0
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n)
      const s = lstatSync(p)
      if (s.isDirectory()) walk(p)
      else bytes += s.size
    }
  }
  walk(dir)
  return Math.ceil(bytes / 1024)
}

export function buildDeb(o) {
  const root = mkdtempSync(join(tmpdir(), 'fpm-dpkg-'))
  try {
    for (const { from, to } of o.mappings) {
      const dest = join(root, to)
      if (from.endsWith('/')) {
        mkdirSync(dest, { recursive: true })
        cpSync(from, dest, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true })
      } else {
        mkdirSync(dirname(dest), { recursive: true })
        cpSync(from, dest, { preserveTimestamps: true })
      }
    }
    const control = [
      `Package: ${o.name}`,
      `Version: ${o.version}${o.iteration ? `-${o.iteration}` : ''}`,
      `Architecture: ${o.architecture}`,
      `Maintainer: ${o.maintainer ?? 'unknown'}`,
      `Installed-Size: ${sizeKb(root)}`,
      ...(o.depends.length ? [`Depends: ${o.depends.join(', ')}`] : []),
      ...(o.recommends.length ? [`Recommends: ${o.recommends.join(', ')}`] : []),
      `Section: ${o.category ?? 'default'}`,
      `Priority: ${o.priority ?? 'optional'}`,
      ...(o.url ? [`Homepage: ${o.url}`] : []),
      `Description: ${controlDescription(o.description)}`
    ]
    const debian = join(root, 'DEBIAN')
    mkdirSync(debian, { recursive: true })
    writeFileSync(join(debian, 'control'), control.join('\n') + '\n')
    for (const [flag, name] of [['afterInstall', 'postinst'], ['afterRemove', 'postrm']]) {
      if (!o[flag]) continue
      cpSync(o[flag], join(debian, name))
      chmodSync(join(debian, name), 0o755)
    }
    // Directories 0755 whatever the umask of the build machine was.
    const fixDirs = (d) => {
      chmodSync(d, 0o755)
      for (const n of readdirSync(d)) if (statSync(join(d, n)).isDirectory() && !lstatSync(join(d, n)).isSymbolicLink()) fixDirs(join(d, n))
    }
    fixDirs(root)
    mkdirSync(dirname(o.package), { recursive: true })
    execFileSync('dpkg-deb', ['--root-owner-group', '-Z', o.compression ?? 'xz', '--build', root, o.package], { stdio: ['ignore', 'ignore', 'inherit'] })
    return o.package
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const out = buildDeb(parseArgs(process.argv.slice(2)))
    process.stdout.write(`fpm-dpkg: wrote ${out} with dpkg-deb\n`)
  } catch (err) {
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}
