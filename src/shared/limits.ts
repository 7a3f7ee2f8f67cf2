/**
 * The one label budget: what `labels.save` accepts is what import stores and
 * what the editor can produce, so a frame that arrives can always be edited
 * and saved again.
 */
export const LABEL_LIMITS = {
  /** Polygons on one frame. */
  labelsPerFrame: 5000,
  /** Vertices of one polygon. */
  pointsPerPolygon: 20_000
} as const
