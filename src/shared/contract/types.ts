/** Result and event payload types of the contract: plain data that crosses any transport. */
import type { ClassDef, ClassKind, ImageStatus, LabelSource, Split, ViewOrUnassigned } from '../domain'

export interface WorkspaceInfo {
  dir: string
  name: string
  schemaVersion: number
  imageCount: number
  /** True for a workspace written by `studio demo`. */
  demo: boolean
}

export interface ImageFilter {
  views?: ViewOrUnassigned[]
  statuses?: ImageStatus[]
  classIds?: number[]
  splits?: Split[]
  /** Substring of the relative path. */
  search?: string
  /** Frames added (or replaced) by this import batch (ImportSummary.importId). */
  importId?: number
}

export interface ImageSummary {
  id: number
  relPath: string
  width: number
  height: number
  view: ViewOrUnassigned
  split: Split
  status: ImageStatus
  /** Classes that have at least one label on the frame. */
  classIds: number[]
  labelCount: number
}

export interface ImagePage {
  total: number
  offset: number
  items: ImageSummary[]
}

export interface ImageDetail extends ImageSummary {
  hash: string
  /** Absolute path on this machine, for display only. */
  absPath: string
  importedAt: string
  /** Split group key (a coil id, or the import batch): every frame of the group is in one split. Null: the frame stands alone. */
  splitGroup: string | null
}

export interface Thumbnail {
  id: number
  mime: string
  data: Uint8Array
}

export interface ImageStats {
  total: number
  byView: Record<string, number>
  byStatus: Record<string, number>
  bySplit: Record<string, number>
  /** Frames carrying at least one label of the class, keyed by class id. */
  byClass: Record<string, number>
}

export interface ImportOptions {
  folder: string
  /**
   * Folder of PNG class-index masks named like the images; several folders
   * (an export's defects/ and regions/) each add their labels.
   */
  masks?: string | string[]
  /** Read labelme JSON files found next to the images. */
  labelme?: boolean
  /** Put the whole import into one split (an external test set). */
  split?: Split
  /** Force a view for every image of this import. */
  view?: ViewOrUnassigned
  /** Class names for mask values 1..n, when the mask folder has no classes.txt. */
  maskClasses?: string[]
  /** Mark every image of this import normal (a folder of known-good frames). */
  normal?: boolean
  /** A COCO instance-segmentation JSON whose file_name entries are relative to `folder`. */
  coco?: string
  /** `folder` is an MVTec-AD category: train/good, test/<class>, ground_truth/<class>/<name>_mask.png. */
  mvtec?: boolean
  /** Label class names to workspace classes (case-insensitive); an empty `to` drops that class's labels. */
  classMap?: ClassMapping[]
  /**
   * What to do with a class name that is neither mapped nor in the workspace:
   * true (the default) creates it; false refuses the whole import before
   * anything is written, naming the unknown classes (see import.preview).
   */
  createClasses?: boolean
  /**
   * Pixels a polygon traced from a mask (PNG masks, COCO RLE, MVTec) may stray
   * from the mask's outline (default 1). 0 keeps the exact outline, which
   * rasterises back to the mask pixel for pixel.
   */
  traceTolerance?: number
  /**
   * Split group pattern for this import (default: the workspace setting
   * `splitGroupPattern`, else a `coil<digits>` token): a regular expression
   * whose first group is the key; `batch` makes the whole import one group,
   * `none` (or '') turns grouping off.
   */
  groupPattern?: string
  /**
   * The class of each mask value, as the import dialog's mapping step gives
   * it: this overrides classes.txt and maskClasses for the values it names
   * (`masks` limits an entry to one mask folder; values it leaves out keep
   * the folder's own names, and unnamed ones are reported, never guessed).
   */
  valueMap?: MaskValueMapping[]
  /** Kind of the classes this import creates (default defect). */
  newClasses?: NewImportClass[]
}

export interface MaskValueMapping {
  /** The mask folder the entry is for; every mask folder of the import when absent. */
  masks?: string
  value: number
  /** A class name (existing or new); absent with skip. */
  to?: string
  /** The value's pixels are left out on purpose (not reported as unmapped). */
  skip?: true
}

export interface NewImportClass {
  name: string
  kind: ClassKind
}

export interface ClassMapping {
  from: string
  /** A class name; '' drops the labels. */
  to: string
}

export interface ImportClassUse {
  /** The name as the label files spell it. */
  name: string
  /** Labels seen with this name; absent where only tracing the masks would tell (PNG masks). */
  labels?: number
  /** The workspace class the labels go to after the mapping; null when the mapping drops them. */
  target: string | null
  /** Whether `target` is already a class of the workspace. */
  exists: boolean
}

/** What an import would read, before anything is written (import.preview). */
export interface ImportPreview {
  folder: string
  /** Image files found. */
  images: number
  /** Label files (or COCO image entries) that belong to one of those images. */
  labelFiles: number
  classes: ImportClassUse[]
  /** Targets that are not workspace classes: created by default, refused with createClasses: false. */
  unknownClasses: string[]
  /** Label problems already visible without importing (malformed files, refused paths, ...). */
  issues: ImportIssue[]
}

export interface ImportIssue {
  path: string
  reason: string
}

export interface ImportSummary {
  folder: string
  /** The import batch its frames carry (the grid's `importId` filter shows them). */
  importId?: number
  found: number
  imported: number
  duplicates: number
  /** Files at a path already imported whose bytes changed: the frame took the new file (labels kept, sent to review). */
  replaced?: number
  failed: ImportIssue[]
  /** Left out on purpose, not broken: links to folders (never followed), broken links. */
  skipped?: ImportIssue[]
  /** Imported with a remark: a file read as another format than its name says, TIFF pages after the first ignored. */
  notes?: ImportIssue[]
  labels: {
    imported: number
    files: number
    failed: ImportIssue[]
    createdClasses: string[]
    /** Labels left out because the class mapping drops their class. */
    dropped: number
  }
  byView: Record<string, number>
  bySplit: Record<string, number>
  cancelled: boolean
  seconds: number
}

/** Formats the export writes: other tools read each of them without a converter. */
export const EXPORT_FORMATS = ['coco', 'masks', 'labelme', 'mvtec'] as const
/** Most frame ids one export names (a grid selection); more are exported by filter. */
export const EXPORT_MAX_IDS = 50_000
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  format: ExportFormat
  /** The folder to write into: new, empty, or (with overwrite) a previous export. */
  out: string
  /** Which frames; all when absent. A class filter selects frames carrying that class, with all their labels. */
  filter?: ImageFilter
  /** Copy the images into the export. Default: on for labelme and mvtec, off for coco and masks. */
  copyImages?: boolean
  /** Replace a previous export in `out`: the files its manifest lists are removed first, nothing else. */
  overwrite?: boolean
}

/** What an export will write (export.preview), and after it ran, what it wrote. */
export interface ExportPreview {
  format: ExportFormat
  /** Absolute path of the export folder. */
  out: string
  copyImages: boolean
  /** Frames the filter selects. */
  selected: number
  /** Frames the export writes. */
  frames: number
  /** Labels written. */
  labels: number
  byView: Record<string, number>
  bySplit: Record<string, number>
  /** Labels written per class name. */
  byClass: Record<string, number>
  /** Files per folder of the export (relative, '.' for the root), manifest.json included. */
  files: Record<string, number>
  /** Frames and labels left out, and why. */
  skipped: ImportIssue[]
  /** Things worth knowing that don't stop the export. */
  warnings: string[]
  /** Why `out` can't be written as it is; export.start refuses while this is set. */
  outProblem?: string
}

export interface ExportSummary extends ExportPreview {
  /** Files written, manifest.json included. */
  written: number
  cancelled: boolean
  seconds: number
}

export interface Label {
  id: number
  imageId: number
  classId: number
  points: number[]
  source: LabelSource
  author: string
  revision: number
  createdAt: string
  updatedAt: string
}

export interface LabelRevision {
  labelId: number
  revision: number
  op: 'create' | 'update' | 'delete'
  classId: number
  points: number[]
  author: string
  at: string
}

/** A whole frame, upright (EXIF orientation applied), in a format every browser shows. */
export interface FrameImage {
  id: number
  width: number
  height: number
  mime: string
  data: Uint8Array
}

export interface ClassInput {
  id?: number
  name: string
  color: string
  kind: ClassKind
}

/** The fields of a class an edit changes; the others keep their current values. */
export interface ClassPatch {
  name?: string
  color?: string
  kind?: ClassKind
}

export type JobKind = 'import' | 'export' | 'train' | 'eval' | 'infer'
export type JobStateName = 'queued' | 'running' | 'cancelling' | 'done' | 'failed' | 'cancelled'

export interface JobProgress {
  jobId: string
  kind: JobKind
  done: number
  total: number
  message?: string
  etaSec?: number
}

export interface JobState {
  jobId: string
  kind: JobKind
  state: JobStateName
  error?: string
  result?: unknown
}

export interface AppInfo {
  version: string
  /** 'electron' in the app, 'web' in the dev:web transport. */
  shell: 'electron' | 'web'
  workspace: WorkspaceInfo | null
  /** The folder given at start (`--workspace`) when it holds no workspace yet: the start screen offers to create it. */
  startNotice?: StartNotice | null
}

export interface StartNotice {
  dir: string
  state: 'missing' | 'empty' | 'not_workspace' | 'file'
  message: string
}

export type { ClassDef }
