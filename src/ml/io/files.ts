/**
 * Small file helpers with the one rule the model directory depends on:
 * a file or folder appears under its final name only once it is complete
 * (write to a temporary name, then rename).
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true })
  const tmp = tempName(target)
  await fs.writeFile(tmp, data)
  await fs.rename(tmp, target)
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n')
}

/** Reads and parses a JSON file; errors name the file and what it should hold. */
export async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    throw new Error(`cannot read ${what} at ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new Error(`${what} at ${file} is not valid JSON: ${(err as Error).message}`)
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p)
    return true
  } catch {
    return false
  }
}

/** A fresh temporary folder next to `target` (same file system, so rename works). */
export async function makeStagingDir(target: string): Promise<string> {
  await fs.mkdir(path.dirname(target), { recursive: true })
  const dir = tempName(target)
  await fs.mkdir(dir, { recursive: true })
  return dir
}

/**
 * Puts a complete folder in place of `target`. A folder cannot be renamed over
 * a non-empty one, so an existing target is first renamed aside and removed
 * after the swap.
 */
export async function replaceDir(staging: string, target: string): Promise<void> {
  let aside: string | null = null
  if (await exists(target)) {
    aside = tempName(target) + '-old'
    await fs.rename(target, aside)
  }
  await fs.rename(staging, target)
  if (aside) await fs.rm(aside, { recursive: true, force: true })
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true })
}
