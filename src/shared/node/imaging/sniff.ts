/**
 * What a file is, from its first bytes. The name's extension only decides
 * which files an import looks at; the content decides how they are read, so
 * a GIF renamed to .png is recognised as a GIF instead of half-decoded as
 * something it is not.
 */

export type SniffedFormat = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'gif' | 'webp'

/** The formats frames may be in; GIF and WebP are known only to name them in a refusal. */
export const READABLE_FORMATS: ReadonlySet<SniffedFormat> = new Set(['png', 'jpeg', 'tiff', 'bmp'])

const FORMAT_NAMES: Record<SniffedFormat, string> = { png: 'PNG', jpeg: 'JPEG', tiff: 'TIFF', bmp: 'BMP', gif: 'GIF', webp: 'WebP' }

const BY_EXTENSION: Record<string, SniffedFormat> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.tif': 'tiff', '.tiff': 'tiff', '.bmp': 'bmp' }

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false
  return true
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0))

export function sniffFormat(bytes: Uint8Array): SniffedFormat | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png'
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg'
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff'
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff'
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif'
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp'
  if (startsWith(bytes, ascii('BM'))) return 'bmp'
  return null
}

export function formatName(f: SniffedFormat): string {
  return FORMAT_NAMES[f]
}

/** The format a file's name promises, or null for an extension we do not map. */
export function formatOfName(name: string): SniffedFormat | null {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? null : (BY_EXTENSION[name.slice(dot).toLowerCase()] ?? null)
}

export interface FormatVerdict {
  format: SniffedFormat | null
  /** Set when the file must not be read: why. */
  refusal?: string
  /** Set when it is read as something other than its name says: the remark for the summary. */
  note?: string
}

/**
 * A GIF or WebP is refused whatever its name (the formats the app reads
 * are JPEG, PNG, BMP and TIFF; accepting GIF would also mean choosing a
 * frame of an animation). A readable format under another format's
 * extension is read as what it is, and said so.
 */
export function judgeFormat(name: string, bytes: Uint8Array): FormatVerdict {
  const format = sniffFormat(bytes)
  const named = formatOfName(name)
  const ext = name.slice(name.lastIndexOf('.'))
  if (format === null) return { format }
  if (!READABLE_FORMATS.has(format)) {
    return { format, refusal: `is a ${formatName(format)} named ${ext}; ${formatName(format)} files are not read (JPEG, PNG, BMP or TIFF): convert it to PNG` }
  }
  if (named && named !== format) return { format, note: `is a ${formatName(format)} named ${ext}; read as ${formatName(format)}` }
  return { format }
}
