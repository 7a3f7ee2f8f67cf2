/** A small argv parser: positionals plus --flag, --key value and --key=value. */
import { appendAll } from '../../shared/arrays'

export interface ParsedArgs {
  positionals: string[]
  flags: Record<string, string | true>
}

export function parseArgs(argv: string[], booleans: ReadonlySet<string> = new Set()): ParsedArgs {
  const positionals: string[] = []
  const flags: Record<string, string | true> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      appendAll(positionals, argv.slice(i + 1))
      break
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      if (eq > 0) {
        flags[a.slice(2, eq)] = a.slice(eq + 1)
      } else {
        const key = a.slice(2)
        const next = argv[i + 1]
        if (!booleans.has(key) && next !== undefined && !next.startsWith('--')) {
          flags[key] = next
          i++
        } else {
          flags[key] = true
        }
      }
    } else {
      positionals.push(a)
    }
  }
  return { positionals, flags }
}

export function stringFlag(args: ParsedArgs, key: string): string | undefined {
  const v = args.flags[key]
  if (v === true) throw new UsageError(`--${key} needs a value`)
  return v
}

export function intFlag(args: ParsedArgs, key: string, fallback: number): number {
  const v = stringFlag(args, key)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${key} must be a positive whole number, got "${v}"`)
  return n
}

export class UsageError extends Error {
  override name = 'UsageError'
}
