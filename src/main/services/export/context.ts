/** What every format writer is handed: the frames as planned, and the classes. */
import type { ClassDef } from '../../../shared/domain'
import type { ExportFrame, ExportLabel } from './frames'
import type { ExportWriter } from './outDir'

export interface PlannedLabel extends ExportLabel {
  cls: ClassDef
  /** Pixels covered, by the one rasteriser. */
  area: number
  /** [x, y, w, h] of the covered pixels. */
  bbox: [number, number, number, number]
}

export interface PlannedFrame {
  frame: ExportFrame
  /** Labels that cover at least one pixel, in label id order. */
  labels: PlannedLabel[]
  /** Unique output path from the frame's path in its image root ('/'-separated, extension kept). */
  name: string
  /** The source image, absolute. */
  absPath: string
  /** 0-based position of the frame in the export (view, then path). */
  seq: number
  /** Frames in the export, for zero-padded sequence names. */
  count: number
}

export interface ExportContext {
  classes: ClassDef[]
  copyImages: boolean
  /** Image root id -> its index in the manifest's imageRoots (used when images are not copied). */
  rootIndex: Map<number, number>
  workspaceName: string
}

export interface FormatWriter {
  /** Files the frame will write (relative; an image's extension may still change), or why the format leaves it out. */
  plan(p: PlannedFrame): string[] | { skip: string }
  /** Writes the frame's files; returns what was written. */
  write(p: PlannedFrame, out: ExportWriter): Promise<string[]>
  /** Files that cover every frame, written at the end. */
  finalFiles(): string[]
  finish(out: ExportWriter): Promise<void>
  /** What a reader of the export should know (overlap order, layout rules), copied into the manifest. */
  notes: string[]
  /** Warnings for the preview, once every frame is planned. */
  warnings?(): string[]
}

/**
 * The overlap order of every mask an export writes: labels are drawn from the
 * largest rasterised area to the smallest, so where labels overlap the pixel
 * takes the smallest one's class (a crack inside a fold stays visible). Ties:
 * the class later in the class list, then the later label, is drawn last.
 */
export function drawOrder<T extends PlannedLabel>(labels: readonly T[]): T[] {
  return [...labels].sort((a, b) => b.area - a.area || a.cls.position - b.cls.position || a.id - b.id)
}

export const OVERLAP_NOTE =
  'Where labels overlap, a pixel takes the class of the smallest label by rasterised area (ties: the class later in the class list, then the later label).'
