/** Colours offered for a new class: distinct on the dark canvas, the first one no class uses yet. */
const PALETTE = ['#3cb44b', '#ffe119', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080', '#e6beff', '#9a6324', '#e6194b', '#f58231', '#4363d8']

export function nextColor(classes: readonly { color: string }[]): string {
  const used = new Set(classes.map((c) => c.color.toLowerCase()))
  return PALETTE.find((c) => !used.has(c)) ?? PALETTE[classes.length % PALETTE.length]!
}
