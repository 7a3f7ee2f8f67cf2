/** Domain vocabulary shared by every layer. Pure data: no Node, DOM or Electron. */

export const VIEWS = ['D01', 'D02', 'D03', 'D04'] as const
export type View = (typeof VIEWS)[number]
/** A frame whose camera view could not be read from its path. */
export const UNASSIGNED_VIEW = 'unassigned' as const
export type ViewOrUnassigned = View | typeof UNASSIGNED_VIEW

export const SPLITS = ['train', 'val', 'test'] as const
export type Split = (typeof SPLITS)[number]
/** Target share of each split for automatic, stratified assignment. */
export const SPLIT_RATIOS: Record<Split, number> = { train: 0.7, val: 0.15, test: 0.15 }

export const IMAGE_STATUSES = ['unlabeled', 'labeled', 'normal', 'needs-review'] as const
export type ImageStatus = (typeof IMAGE_STATUSES)[number]

export const CLASS_KINDS = ['defect', 'region'] as const
/** defect: what the model must find; region: context such as the lathe bed, which may overlap defects. */
export type ClassKind = (typeof CLASS_KINDS)[number]

export const LABEL_SOURCES = ['manual', 'model', 'imported'] as const
export type LabelSource = (typeof LABEL_SOURCES)[number]

export interface ClassDef {
  id: number
  name: string
  color: string
  kind: ClassKind
  /** Display and key order (keys 1-9 pick by this order); also the mask index minus one. */
  position: number
}

export const DEFAULT_CLASSES: ReadonlyArray<Omit<ClassDef, 'id'>> = [
  { name: 'fold', color: '#e6194b', kind: 'defect', position: 1 },
  { name: 'edge_crack', color: '#f58231', kind: 'defect', position: 2 },
  { name: 'lathe', color: '#4363d8', kind: 'region', position: 3 }
]

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff'] as const
