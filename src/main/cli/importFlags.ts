/** Import flags that need more than splitting on commas. */
import type { MaskValueMapping } from '../../shared/contract'
import { UsageError } from './args'

/** "1=Blowhole,4=" -> mask value mappings; an empty name skips that value (as the dialog's Skip). */
export function parseMaskValues(text: string): MaskValueMapping[] {
  return text.split(',').map((pair) => {
    const eq = pair.indexOf('=')
    const value = eq < 0 ? NaN : Number(pair.slice(0, eq).trim())
    if (!Number.isInteger(value) || value < 1 || value > 255) {
      throw new UsageError(`--mask-values takes value=class pairs separated by commas, values 1-255 (4= skips value 4), got "${pair}"`)
    }
    const to = pair.slice(eq + 1).trim()
    return to ? { value, to } : { value, skip: true }
  })
}
