/**
 * A threshold as a user reads it (the review, its heatmap legend, a run's
 * warnings): two decimals in the middle, and
 * enough digits near 0 or 1 to tell it apart from them; "1.00" would say
 * the class predicts nothing.
 */
export function thresholdText(t: number): string {
  if (!(t > 0 && t < 1) || (t >= 0.01 && t <= 0.99)) return t.toFixed(2)
  if (t < 1e-4) return t.toExponential(1)
  const tail = t < 0.5 ? t : 1 - t
  // The first significant digit of the distance to 0 or 1, and one more.
  const digits = Math.min(10, Math.ceil(-Math.log10(tail)) + 1)
  return t.toFixed(digits)
}
