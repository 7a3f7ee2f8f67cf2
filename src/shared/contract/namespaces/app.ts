/** The app itself and the native dialogs it offers. */
import { z } from 'zod'
import type { AppInfo } from '../types'
import { none } from '../schemas'

export const appArgs = {
  'app.info': none,
  'dialog.pickFolder': z.object({ title: z.string().max(200).optional() }).strict()
} as const

export interface AppResults {
  'app.info': AppInfo
  'dialog.pickFolder': string | null
}
