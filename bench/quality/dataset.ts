/**
 * magnetic-tile as the quality bench uses it: the fixed split (split.ts),
 * each defect mask traced to polygons exactly as labels (traceMask,
 * tolerance 0: rasterizeInto gives back the mask's own pixels, except that
 * holes are filled because labels are single rings), and the targets every
 * model is scored against, rasterised from those polygons with the one
 * rasteriser. Read in place; nothing is copied into the repository.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { rasterizeInto } from '../../src/shared/geometry/raster'
import { traceMask } from '../../src/shared/geometry/trace'
import type { ClassSpec, DatasetItem } from '../../src/shared/arcd/protocol'
import { labelFraction, splitAll, type SplitName } from './split'

export const DEFAULT_DATA = resolve(__dirname, '../../../shared/datasets/magnetic-tile')
export const TILE_CLASSES: ClassSpec[] = ['Blowhole', 'Break', 'Crack', 'Fray', 'Uneven'].map((name) => ({ name, kind: 'defect' }))
const NORMAL = 'Free'

export interface TileItem extends DatasetItem {
  stem: string
  /** Class name from index.csv ('Free' for normal images). */
  group: string
}

export interface TileData {
  dir: string
  classes: ClassSpec[]
  items: TileItem[]
  /** Training defect stems per class, in hash order (label fractions take prefixes). */
  trainByClass: Map<string, string[]>
  /** Defect images whose mask has no pixels: no label, so no ground truth; left out. */
  emptyMasks: string[]
  /** Mask pixels the traced polygons do not give back (holes), and the total. */
  traceLoss: { pixels: number; of: number }
}

interface IndexRow {
  stem: string
  group: string
  classId: number
  width: number
  height: number
}

function readIndex(dir: string): IndexRow[] {
  const lines = readFileSync(join(dir, 'index.csv'), 'utf8').trim().split(/\r?\n/)
  const head = lines.shift()?.split(',') ?? []
  const col = (name: string): number => {
    const i = head.indexOf(name)
    if (i < 0) throw new Error(`index.csv has no column ${name}`)
    return i
  }
  const [s, c, id, w, h] = ['stem', 'class', 'class_id', 'width', 'height'].map(col) as [number, number, number, number, number]
  return lines.map((line) => {
    const f = line.split(',')
    return { stem: f[s]!, group: f[c]!, classId: Number(f[id]), width: Number(f[w]), height: Number(f[h]) }
  })
}

async function readMask(file: string, width: number, height: number): Promise<Uint8Array> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true })
  if (info.width !== width || info.height !== height) throw new Error(`${file} is ${info.width}x${info.height}, index.csv says ${width}x${height}`)
  if (info.channels === 1) return new Uint8Array(data.buffer, data.byteOffset, data.length)
  const out = new Uint8Array(width * height)
  for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels]!
  return out
}

export async function loadTileData(dir = DEFAULT_DATA): Promise<TileData> {
  if (!existsSync(join(dir, 'index.csv'))) throw new Error(`magnetic-tile not found at ${dir} (index.csv missing)`)
  const rows = readIndex(dir)
  const classes = TILE_CLASSES
  const groups = new Map<string, string[]>()
  for (const r of rows) groups.set(r.group, [...(groups.get(r.group) ?? []), r.stem])
  const unknown = [...groups.keys()].filter((g) => g !== NORMAL && !classes.some((c) => c.name === g))
  if (unknown.length) throw new Error(`index.csv has classes the bench does not know: ${unknown.join(', ')}`)
  const splits = splitAll(groups)
  const splitOf = new Map<string, SplitName>()
  for (const s of splits.values()) for (const k of ['train', 'val', 'test'] as const) for (const stem of s[k]) splitOf.set(stem, k)

  const items: TileItem[] = []
  const emptyMasks: string[] = []
  const traceLoss = { pixels: 0, of: 0 }
  for (const r of rows) {
    const normal = r.group === NORMAL
    const base = { id: r.stem, stem: r.stem, group: r.group, width: r.width, height: r.height, view: 'D01', split: splitOf.get(r.stem)!, normal }
    if (normal) {
      items.push({ ...base, path: join(dir, 'normal', `${r.stem}.jpg`), polygons: [] })
      continue
    }
    const mask = await readMask(join(dir, 'masks', `${r.stem}.png`), r.width, r.height)
    const polygons = []
    for (const [value, polys] of traceMask(mask, r.width, r.height, { tolerance: 0 })) {
      if (value < 1 || value > classes.length) throw new Error(`${r.stem}: mask value ${value} is not a class id 1..${classes.length}`)
      for (const p of polys) polygons.push({ classIndex: value - 1, points: [...p] })
    }
    if (polygons.length === 0) {
      emptyMasks.push(r.stem)
      continue
    }
    const item: TileItem = { ...base, path: join(dir, 'images', `${r.stem}.jpg`), polygons }
    const back = classIndexMask(item)
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) {
        traceLoss.of++
        if (back[i] !== mask[i]) traceLoss.pixels++
      }
    }
    items.push(item)
  }
  const trainByClass = new Map<string, string[]>()
  const kept = new Set(items.map((i) => i.stem))
  for (const c of classes) trainByClass.set(c.name, (splits.get(c.name)?.train ?? []).filter((s) => kept.has(s)))
  return { dir, classes, items, trainByClass, emptyMasks, traceLoss }
}

/** Mask value per pixel (class index + 1), later polygons over earlier ones as in the app's targets. */
export function classIndexMask(item: DatasetItem): Uint8Array {
  const mask = new Uint8Array(item.width * item.height)
  for (const p of item.polygons) rasterizeInto(mask, item.width, item.height, p.points, p.classIndex + 1)
  return mask
}

/** Per-class 0/1 targets, interleaved (y * W + x) * K + c, from the item's polygons. */
export function classTargets(item: DatasetItem, classCount: number): Float32Array {
  const out = new Float32Array(item.width * item.height * classCount)
  const one = new Uint8Array(item.width * item.height)
  for (const p of item.polygons) {
    one.fill(0)
    rasterizeInto(one, item.width, item.height, p.points, 1)
    for (let i = 0; i < one.length; i++) if (one[i]) out[i * classCount + p.classIndex] = 1
  }
  return out
}

/** The items of one run: every labelled training defect image of `fraction`, all validation, the training normals. */
export function trainingItems(data: TileData, fraction: number): TileItem[] {
  const labelled = new Set<string>()
  for (const stems of data.trainByClass.values()) for (const s of labelFraction(stems, fraction)) labelled.add(s)
  return data.items.filter((i) => i.split === 'val' || (i.split === 'train' && (i.normal || labelled.has(i.stem))))
}

export interface SplitCounts {
  group: string
  train: number
  val: number
  test: number
}

export function splitCounts(data: TileData): SplitCounts[] {
  const groups = [...data.classes.map((c) => c.name), NORMAL]
  return groups.map((group) => {
    const of = (s: SplitName): number => data.items.filter((i) => i.group === group && i.split === s).length
    return { group: group === NORMAL ? 'normal' : group, train: of('train'), val: of('val'), test: of('test') }
  })
}
