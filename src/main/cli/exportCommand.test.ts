import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { handWorkspace } from '../services/export/exportFixtures'
import type { Workspace } from '../services/workspace'
import { tempDir } from '../test/fixtures'
import { parseArgs, UsageError } from './args'
import { EXPORT_BOOLEANS, exportOptions } from './exportCommand'

const run = promisify(execFile)
const ROOT = resolve(__dirname, '../../..')

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

async function hand(): Promise<{ ws: Workspace; dir: string; images: string }> {
  const { dir, cleanup } = tempDir('ds-cli-export-')
  cleanups.push(cleanup)
  const { ws, images } = await handWorkspace(dir)
  cleanups.unshift(() => ws.close())
  return { ws, dir, images }
}

async function studio(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/studio.ts'), ...args], { cwd: ROOT })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const argv = (line: string): ReturnType<typeof parseArgs> => parseArgs(line.split(' '), new Set(EXPORT_BOOLEANS))

describe('studio export options', () => {
  it('turns flags into export options, classes by name', async () => {
    const { ws, dir } = await hand()
    const fold = (ws.db.prepare("SELECT id FROM classes WHERE name = 'fold'").pluck().get() as number) ?? 0
    expect(exportOptions(argv(`export --format masks --out ${dir}/o --view d01,D02 --split test --class Fold --status labeled,normal --overwrite`), ws)).toEqual({
      format: 'masks',
      out: join(dir, 'o'),
      filter: { views: ['D01', 'D02'], splits: ['test'], statuses: ['labeled', 'normal'], classIds: [fold] },
      overwrite: true
    })
    expect(exportOptions(argv(`export --format coco --out ${dir}/o --copy-images`), ws)).toMatchObject({ copyImages: true })
    expect(exportOptions(argv(`export --format labelme --out ${dir}/o --no-copy-images`), ws)).toMatchObject({ copyImages: false })
  })

  it.each([
    ['export --out /tmp/x', /needs --format coco\|masks\|labelme\|mvtec/],
    ['export --format yolo --out /tmp/x', /--format must be one of coco, masks, labelme, mvtec/],
    ['export --format coco', /needs --out/],
    ['export --format coco --out /tmp/x --view D09', /--view: "D09" is not one of/],
    ['export --format coco --out /tmp/x --split dev', /--split: "dev"/],
    ['export --format coco --out /tmp/x --class scratch', /no class "scratch" in this workspace \(classes: fold, edge_crack, lathe\)/],
    ['export --format coco --out /tmp/x --copy-images --no-copy-images', /contradict/]
  ])('refuses %s', async (line, message) => {
    const { ws } = await hand()
    expect(() => exportOptions(argv(line), ws)).toThrow(UsageError)
    expect(() => exportOptions(argv(line), ws)).toThrow(message)
  })
})

describe('studio export and import, end to end', () => {
  it('prints the dry run without writing, exports, and imports back asking for unknown classes', async () => {
    const { ws, dir } = await hand()
    ws.close()
    const wsDir = join(dir, 'ws')
    const out = join(dir, 'coco')
    const dry = await studio(['export', '--workspace', wsDir, '--format', 'coco', '--out', out, '--copy-images', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/Would export 4 of 5 selected frames as coco to .*coco \(images copied\)/)
    expect(dry.stdout).toMatch(/D02\/c\.png: unlabeled/)
    expect(existsSync(out)).toBe(false)
    const done = await studio(['export', '--workspace', wsDir, '--format', 'coco', '--out', out, '--copy-images'])
    expect(done.code).toBe(0)
    expect(done.stdout).toMatch(/Wrote 4 frames \(6 labels, 6 files\)/)
    const again = await studio(['export', '--workspace', wsDir, '--format', 'coco', '--out', out])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/holds a previous export; allow overwriting \(--overwrite\)/)

    // The COCO file renamed one class: a fresh workspace asks what to do with it.
    const doc = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8')) as { categories: { name: string }[] }
    doc.categories.find((c) => c.name === 'edge_crack')!.name = 'crack'
    writeFileSync(join(out, 'annotations.json'), JSON.stringify(doc))
    const fresh = join(dir, 'fresh')
    const refused = await studio(['import', join(out, 'images'), '--workspace', fresh, '--create', '--coco', join(out, 'annotations.json')])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/does not have: "crack" \(2 labels\)\. Map it .*--map crack=fold.*--create-classes/)
    const preview = await studio(['import', join(out, 'images'), '--workspace', fresh, '--coco', join(out, 'annotations.json'), '--dry-run'])
    expect(preview.stdout).toMatch(/crack \(2\) -> crack \(new class\)/)
    const mapped = await studio(['import', join(out, 'images'), '--workspace', fresh, '--coco', join(out, 'annotations.json'), '--map', 'crack=edge_crack'])
    expect(mapped.code).toBe(0)
    expect(mapped.stdout).toMatch(/labels: 6 from 4 files/)
  })
})
