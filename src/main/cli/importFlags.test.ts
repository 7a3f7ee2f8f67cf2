/** --mask-values on the command line: parsing, the dry run's value counts, and an import that follows it (checked by raw SQL). */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeIndexedPng, tempDir } from '../test/fixtures'
import { UsageError } from './args'
import { parseMaskValues } from './importFlags'

const ROOT = resolve(__dirname, '../../..')
const run = promisify(execFile)
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

describe('--mask-values', () => {
  it('parses value=class pairs, an empty class as skip, and refuses anything else', () => {
    expect(parseMaskValues('1=Pit, 4=')).toEqual([
      { value: 1, to: 'Pit' },
      { value: 4, skip: true }
    ])
    for (const bad of ['Pit', 'x=Pit', '0=a', '256=a', '=a']) expect(() => parseMaskValues(bad)).toThrow(UsageError)
  })

  it('dry run lists the values with their pixels; the import maps 1 and skips 2', async () => {
    const { dir, cleanup } = tempDir('ds-cli-mask-values-')
    cleanups.push(cleanup)
    const src = join(dir, 'src')
    const masks = join(dir, 'masks')
    mkdirSync(src)
    mkdirSync(masks)
    const W = 20
    const H = 10
    let ones = 0
    let twos = 0
    for (let i = 0; i < 2; i++) {
      await sharp({ create: { width: W, height: H, channels: 3, background: { r: 40 * i, g: 90, b: 10 } } })
        .png()
        .toFile(join(src, `f${i}.png`))
      const m = new Uint8Array(W * H)
      for (let y = 2; y < 6; y++) for (let x = 2 + i; x < 7 + 2 * i; x++) m[y * W + x] = 1
      for (let y = 6; y < 9; y++) for (let x = 12; x < 15 + i; x++) m[y * W + x] = 2
      for (const v of m) {
        if (v === 1) ones++
        if (v === 2) twos++
      }
      writeFileSync(join(masks, `f${i}.png`), encodeIndexedPng(m, W, H))
    }
    const ws = join(dir, 'ws')
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/studio.ts'), ...args], { cwd: ROOT })
    const dry = await cli('import', src, '--masks', masks, '--workspace', ws, '--create', '--dry-run')
    expect(dry.stdout).toContain(`1: ${ones} px in 2 masks -> no name`)
    expect(dry.stdout).toContain(`2: ${twos} px in 2 masks -> no name`)
    const imported = await cli('import', src, '--masks', masks, '--workspace', ws, '--create-classes', '--mask-values', '1=Pit,2=', '--json')
    // Skipped on purpose: not reported as a value without a class.
    expect((JSON.parse(imported.stdout) as { labels: { failed: unknown[] } }).labels.failed).toEqual([])
    const db = new Database(join(ws, 'workspace.sqlite'), { readonly: true })
    try {
      const perClass = db
        .prepare('SELECT c.name AS name, count(DISTINCT l.image_id) AS frames FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.deleted_at IS NULL GROUP BY c.name')
        .all()
      expect(perClass).toEqual([{ name: 'Pit', frames: 2 }])
    } finally {
      db.close()
    }
  })
})
