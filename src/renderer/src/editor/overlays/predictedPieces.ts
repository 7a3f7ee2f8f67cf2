/**
 * The model's predicted pieces of a frame as the accept service traces them
 * (predictions.previewAccept): what the overlay outlines, the side panel
 * lists and a click accepts. The editor never traces a mask itself, so its
 * Accept gives the polygons the review's T gives.
 */
import type { AcceptPreview, PredictedPiece } from '../../../../shared/contract'
import { pointInPolygon } from '../geometry/hitTest'
import type { EditorPolygon } from '../model/types'

/** The part of window.api the editor's accept uses. */
export interface PieceApi {
  predictions: {
    previewAccept(args: {
      imageId: number
      classId?: number
      pieces?: number[]
      labels?: { classId: number; points: number[] }[]
    }): Promise<AcceptPreview>
  }
}

/** Pieces as editor polygons of their class, marked as model output. */
export function piecesAsPolygons(pieces: readonly PredictedPiece[]): Omit<EditorPolygon, 'key'>[] {
  return pieces.map((p) => ({ classId: p.classId, points: p.points.slice(), source: 'model' as const }))
}

/**
 * The piece not yet labelled under an image point, or null. Where outlines
 * overlap (a piece in another's hole, a region class over a defect) the
 * smallest is taken: the one the click most specifically points at.
 */
export function pieceAt(pieces: readonly PredictedPiece[], x: number, y: number): PredictedPiece | null {
  let hit: PredictedPiece | null = null
  for (const p of pieces) if (!p.labelled && pointInPolygon(p.points, x, y) && (!hit || p.pixels < hit.pixels)) hit = p
  return hit
}

/** The frame's polygons as the service takes them, so what the editor holds (saved or not) counts as labelled. */
export function heldLabels(polygons: readonly EditorPolygon[]): { classId: number; points: number[] }[] {
  return polygons.map((p) => ({ classId: p.classId, points: [...p.points] }))
}

export function pieceKey(p: Pick<PredictedPiece, 'classId' | 'index'>): string {
  return `${p.classId}/${p.index}`
}
