/** The app itself and the native dialogs it offers. */
import { z } from 'zod'
import type { AppInfo } from '../types'
import { dir, none } from '../schemas'

/** What app.openPath did: the folder is open in the file manager, or why not (the browser transport has no file manager to ask). */
export interface OpenPathResult {
  opened: boolean
  /** Absolute path of the folder, for the UI to show when it could not be opened. */
  path: string
  message?: string
}

export const appArgs = {
  'app.info': none,
  'app.openPath': z.object({ path: dir }).strict(),
  'dialog.pickFolder': z.object({ title: z.string().max(200).optional() }).strict()
} as const

export interface AppResults {
  'app.info': AppInfo
  'app.openPath': OpenPathResult
  'dialog.pickFolder': string | null
}
