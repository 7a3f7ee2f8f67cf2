/**
 * The one way an export touches the disk: every folder and file it creates
 * goes through a WriteLayer, so a failure anywhere (a full disk, a quota, an
 * I/O error) surfaces as one ExportWriteError naming the file, and a test can
 * inject such a failure after a given number of bytes.
 */
import { mkdir, open, statfs } from 'node:fs/promises'

/** Failures that mean the disk (not the export) is the problem. */
export const DISK_ERRORS = ['ENOSPC', 'EDQUOT', 'EIO'] as const
export type DiskErrorCode = (typeof DISK_ERRORS)[number]

/** Fails the write that would take the export past afterBytes, after writing the bytes that still fit (as a real full disk does). */
export interface WriteFault {
  code: DiskErrorCode
  afterBytes: number
}

export interface WriteLayerOptions {
  /** Test only: wait this long between creating a file and writing it, so a test can kill an export part-way. */
  delayMs?: number
  fault?: WriteFault
}

/** A write of the export failed; `rel` is the file's path inside the export ('' for the export's own folders and marker: see `full`). */
export class ExportWriteError extends Error {
  constructor(
    readonly code: string | undefined,
    readonly rel: string,
    readonly full: string,
    cause: unknown
  ) {
    super(`${code ?? 'error'} while writing ${rel || full}: ${(cause as Error).message}`)
    this.name = 'ExportWriteError'
  }

  get diskFull(): boolean {
    return (DISK_ERRORS as readonly string[]).includes(this.code ?? '')
  }
}

const DELAY_ENV = 'DEFECT_STUDIO_EXPORT_TEST_DELAY_MS'
const FAULT_ENV = 'DEFECT_STUDIO_EXPORT_TEST_FAULT'

/**
 * The test hooks a CLI child reads from its environment (it can't be handed
 * options): DEFECT_STUDIO_EXPORT_TEST_DELAY_MS=<ms> and
 * DEFECT_STUDIO_EXPORT_TEST_FAULT=<ENOSPC|EDQUOT|EIO>@<bytes>.
 */
export function writeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): WriteLayerOptions {
  const opts: WriteLayerOptions = {}
  const delay = Number(env[DELAY_ENV])
  if (Number.isFinite(delay) && delay > 0) opts.delayMs = delay
  const m = /^(ENOSPC|EDQUOT|EIO)@(\d+)$/.exec(env[FAULT_ENV] ?? '')
  if (m) opts.fault = { code: m[1] as DiskErrorCode, afterBytes: Number(m[2]) }
  return opts
}

export class WriteLayer {
  /** Bytes and files this export has written. */
  bytes = 0
  files = 0

  constructor(private readonly opts: WriteLayerOptions = writeOptionsFromEnv()) {}

  async mkdir(full: string, rel: string): Promise<void> {
    try {
      await mkdir(full, { recursive: true })
    } catch (err) {
      throw new ExportWriteError((err as NodeJS.ErrnoException).code, rel, full, err)
    }
  }

  /** Creates `full` (never over an existing file or link) and writes `data` to it. */
  async write(full: string, rel: string, data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    try {
      // wx: a file or symbolic link already there is an error, never followed or truncated.
      const fh = await open(full, 'wx')
      try {
        if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs))
        const fault = this.opts.fault
        if (fault && this.bytes + bytes.length > fault.afterBytes) {
          // As a real full disk does: the part that fits is written, then the write fails.
          const fits = Math.max(0, fault.afterBytes - this.bytes)
          await fh.writeFile(bytes.subarray(0, fits))
          this.bytes += fits
          throw injected(fault.code)
        }
        await fh.writeFile(bytes)
      } finally {
        await fh.close()
      }
    } catch (err) {
      throw err instanceof ExportWriteError ? err : new ExportWriteError((err as NodeJS.ErrnoException).code, rel, full, err)
    }
    this.bytes += bytes.length
    this.files += 1
  }
}

function injected(code: DiskErrorCode): NodeJS.ErrnoException {
  const err = new Error(`${code}: injected by the test hook`) as NodeJS.ErrnoException
  err.code = code
  return err
}

/** Free space of the disk holding `dir`, as text, or null when the system won't say. */
export async function freeSpace(dir: string): Promise<string | null> {
  try {
    const s = await statfs(dir)
    return formatBytes(Number(s.bavail) * Number(s.bsize))
  } catch {
    return null
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = n / 1024
  let k = 0
  while (v >= 1024 && k < units.length - 1) {
    v /= 1024
    k++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[k]}`
}
