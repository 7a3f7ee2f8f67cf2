import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { createRng } from '../../../shared/random'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { getImage } from '../images'
import { saveFrameLabels } from '../labels'
import { Workspace } from '../workspace'
import { importFolder } from './runImport'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

// Two views only: strata must hold enough frames for the rule to spread them, or everything lands in train anyway.
const VIEWS = ['D01', 'D02']
let unique = 0

/** A small PNG whose bytes no other call repeats. */
async function frame(file: string): Promise<void> {
  const n = ++unique
  mkdirSync(join(file, '..'), { recursive: true })
  await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: n & 255, g: (n >> 8) & 255, b: 77 } } })
    .png()
    .toFile(file)
}

function labelme(file: string, label: string): void {
  writeFileSync(file, JSON.stringify({ shapes: [{ label, points: [[1, 1], [10, 1], [5, 8]], shape_type: 'polygon' }], imageWidth: 16, imageHeight: 12 }))
}

/** The coil a test path names, read by plain string work rather than the app's pattern. */
function coilOf(rel: string): string | null {
  for (const part of rel.split(/[/_.]/)) if (/^coil\d+$/.test(part)) return part
  return null
}

describe('split groups', () => {
  it('never straddle splits over many random imports and first defect labels, by an independent scan of the database', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    for (let seed = 1; seed <= 4; seed++) {
      const rng = createRng(seed * 7919)
      const rnd = (): number => rng.next()
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
      const ws = Workspace.create(join(dir, `ws${seed}`))
      try {
        const fold = listClasses(ws).find((c) => c.name === 'fold')!.id
        const coils = Array.from({ length: 2 + Math.floor(rnd() * 5) }, (_, k) => `coil${seed}${k}`)
        for (let batch = 0; batch < 3; batch++) {
          const src = join(dir, `s${seed}b${batch}`)
          const count = 15 + Math.floor(rnd() * 16)
          for (let i = 0; i < count; i++) {
            const view = pick(VIEWS)
            const grouped = rnd() < 0.8
            // Coil ids as a folder or as a file-name token; some frames carry none.
            const rel = grouped
              ? rnd() < 0.5
                ? `${pick(coils)}/${view}/f${i}.png`
                : `line_${pick(coils)}_${view}_${batch}${i}.png`
              : `${view}/loose_${batch}${i}.png`
            await frame(join(src, rel))
            if (rnd() < 0.2) labelme(join(src, rel.replace(/\.png$/, '.json')), pick(['fold', 'edge_crack']))
          }
          await importFolder(ws, { folder: src, labelme: true })
          // Some unlabelled frames get their first defect label between imports.
          const unlabelled = ws.db.prepare("SELECT id FROM images WHERE status = 'unlabeled'").pluck().all() as number[]
          for (const id of unlabelled) if (rnd() < 0.3) saveFrameLabels(ws, id, [{ classId: fold, points: [1, 1, 12, 1, 6, 9] }], 'qc')
        }
        const images = ws.db.prepare('SELECT id, rel_path, split, split_group FROM images').all() as {
          id: number
          rel_path: string
          split: string
          split_group: string | null
        }[]
        expect(images.length).toBeGreaterThan(20)
        const splitsOf = new Map<string, Set<string>>()
        for (const im of images) {
          expect(im.split_group).toBe(coilOf(im.rel_path))
          if (!im.split_group) continue
          const set = splitsOf.get(im.split_group) ?? new Set()
          set.add(im.split)
          splitsOf.set(im.split_group, set)
        }
        for (const [group, splits] of splitsOf) expect([group, [...splits]]).toEqual([group, [[...splits][0]]])
        // Grouping must not collapse everything into one split: the loose frames and the groups still spread.
        expect(new Set(images.map((im) => im.split)).size).toBeGreaterThan(1)
      } finally {
        ws.close()
      }
    }
  })

  it('later frames of a known group join its split; the detail shows the key; a bad pattern refuses the import', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const ws = Workspace.create(join(dir, 'ws'))
    cleanups.unshift(() => ws.close())
    for (let i = 0; i < 8; i++) await frame(join(dir, 'a', `COIL_77_D01_${i}.png`))
    await importFolder(ws, { folder: join(dir, 'a') })
    const first = ws.db.prepare('SELECT DISTINCT split FROM images').pluck().all() as string[]
    expect(first).toHaveLength(1)
    for (let i = 0; i < 5; i++) await frame(join(dir, 'b', 'coil_77', `D02_${i}.png`))
    await importFolder(ws, { folder: join(dir, 'b') })
    expect(ws.db.prepare('SELECT DISTINCT split FROM images').pluck().all()).toEqual(first)
    const id = ws.db.prepare('SELECT id FROM images ORDER BY id DESC LIMIT 1').pluck().get() as number
    expect(getImage(ws, id).splitGroup).toBe('coil_77')

    // `batch` makes one import a group; `none` leaves every frame alone.
    for (let i = 0; i < 10; i++) await frame(join(dir, 'c', `x${i}.png`))
    await importFolder(ws, { folder: join(dir, 'c'), groupPattern: 'batch' })
    const batch = ws.db.prepare("SELECT DISTINCT split_group, split FROM images WHERE rel_path LIKE 'x%'").all() as { split_group: string }[]
    expect(batch).toHaveLength(1)
    expect(batch[0]!.split_group).toMatch(/^import-\d+$/)
    for (let i = 0; i < 10; i++) await frame(join(dir, 'd', `coil5_${i}.png`))
    await importFolder(ws, { folder: join(dir, 'd'), groupPattern: 'none' })
    expect(ws.db.prepare("SELECT count(*) FROM images WHERE rel_path LIKE 'coil5%' AND split_group IS NULL").pluck().get()).toBe(10)

    const count = ws.db.prepare('SELECT count(*) FROM images').pluck().get()
    await expect(importFolder(ws, { folder: join(dir, 'd'), groupPattern: '(coil' })).rejects.toThrow(/split group pattern is not a valid regular expression/)
    expect(ws.db.prepare('SELECT count(*) FROM images').pluck().get()).toBe(count)
    expect(ws.db.prepare('SELECT count(*) FROM imports').pluck().get()).toBe(4)
  })
})

describe('a frame file replaced in place', () => {
  it('re-imports as the same frame with the new hash and size, its labels kept and its status sent to review', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const src = join(dir, 'src')
    await frame(join(src, 'D01', 'a.png'))
    await frame(join(src, 'D01', 'b.png'))
    const ws = Workspace.create(join(dir, 'ws'))
    cleanups.unshift(() => ws.close())
    await importFolder(ws, { folder: src })
    const fold = listClasses(ws).find((c) => c.name === 'fold')!.id
    const a = ws.db.prepare("SELECT id, split FROM images WHERE rel_path = 'D01/a.png'").get() as { id: number; split: string }
    saveFrameLabels(ws, a.id, [{ classId: fold, points: [1, 1, 10, 1, 5, 8] }], 'qc')
    const before = getImage(ws, a.id)
    await sharp({ create: { width: 18, height: 14, channels: 3, background: '#0a0b0c' } }).png().toFile(join(src, 'D01', 'a.png'))
    const s = await importFolder(ws, { folder: src })
    expect(s).toMatchObject({ imported: 0, duplicates: 1, replaced: 1 })
    const after = getImage(ws, a.id)
    expect(after.hash).toBe(createHash('sha256').update(readFileSync(join(src, 'D01', 'a.png'))).digest('hex'))
    expect(after.hash).not.toBe(before.hash)
    expect([after.width, after.height, after.split, after.status, after.labelCount]).toEqual([18, 14, before.split, 'needs-review', 1])
    expect(ws.db.prepare('SELECT count(*) FROM images').pluck().get()).toBe(2)
  })
})
