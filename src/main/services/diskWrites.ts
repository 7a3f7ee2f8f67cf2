/**
 * The file writes of an import (thumbnails) go through here: written whole
 * under a temporary name and renamed into place, the temporary file removed
 * when a write fails, and one place where a test can make the disk "full".
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export interface WriteLayer {
  writeFile(file: string, data: Uint8Array): void
}

const realLayer: WriteLayer = { writeFile: (file, data) => writeFileSync(file, data) }
let layer: WriteLayer = realLayer

/** Swaps the layer under every write (tests inject ENOSPC); returns the undo. */
export function useWriteLayer(next: WriteLayer): () => void {
  layer = next
  return () => {
    layer = realLayer
  }
}

/** Temporary files carry the writer's pid, so a sweep can tell its own leftovers apart. */
export function tempPathFor(file: string): string {
  return `${file}.${process.pid}.tmp`
}

export function writeFileAtomic(file: string, data: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = tempPathFor(file)
  try {
    layer.writeFile(tmp, data)
    renameSync(tmp, file)
  } catch (err) {
    // A full disk leaves a partial file behind; thousands of them were the issue.
    rmSync(tmp, { force: true })
    throw err
  }
}

/** ENOSPC or a quota from the file system, SQLITE_FULL from the database: both mean the disk is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL'
}
