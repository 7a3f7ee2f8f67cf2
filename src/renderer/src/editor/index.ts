/** The polygon mask editor. The shell renders EditorScreen over the workspace when a frame is opened. */
export { EditorScreen, type EditorScreenProps } from './ui/EditorScreen'
export type { FramePredictions, HeatmapData, MaskData } from './overlays/predictions'
