import { expect } from 'vitest'
import { UsageError } from '../cli/args'

/** The message a CLI flag check refuses `line` with; the test fails when the line is accepted or the error is not a UsageError. */
export function usageRefusal(line: string, check: (line: string) => unknown): string {
  try {
    check(line)
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    return (err as Error).message
  }
  throw new Error(`"${line}" was accepted`)
}
