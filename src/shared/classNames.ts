/**
 * What a class name may be, in the contract and on import alike. Names go
 * into one-name-per-line files (classes.txt), map file names and the UI, so
 * control characters (a newline once corrupted classes.txt) and characters a
 * file name cannot hold are refused; any script is fine ("Blowhole",
 * "edge crack", "裂纹").
 */
export const CLASS_NAME_MAX = 64

/** Why `name` cannot be a class name, or null when it can. */
export function classNameProblem(name: string): string | null {
  if (name.trim().length === 0) return 'a class name cannot be empty'
  if (name !== name.trim()) return `class name "${name.trim()}" has spaces at its start or end`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return `class name ${JSON.stringify(name)} contains a control character (a line break, tab or similar)`
  // MVTec export and the model's map files name folders and files after classes; these break a path on some system.
  const bad = name.match(/[/\\:*?"<>|]/)
  if (bad) return `class name "${name}" contains ${JSON.stringify(bad[0])}, which a file or folder name cannot hold`
  if ([...name].length > CLASS_NAME_MAX) return `class name "${name.slice(0, 20)}…" is longer than ${CLASS_NAME_MAX} characters`
  return null
}
