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
  /** Folder of PNG class-index masks named like the images. */
  masks?: string
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
}

export interface ImportIssue {
  path: string
  reason: string
}

export interface ImportSummary {
  folder: string
  found: number
  imported: number
  duplicates: number
  failed: ImportIssue[]
  labels: { imported: number; files: number; failed: ImportIssue[]; createdClasses: string[] }
  byView: Record<string, number>
  bySplit: Record<string, number>
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
}

export type { ClassDef }
