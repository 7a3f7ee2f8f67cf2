/** Creating, opening and closing a workspace. */
import { z } from 'zod'
import type { WorkspaceInfo } from '../types'
import { dir, none } from '../schemas'

export const workspaceArgs = {
  'workspace.create': z.object({ dir, name: z.string().min(1).max(200).optional() }).strict(),
  'workspace.open': z.object({ dir }).strict(),
  'workspace.close': none
} as const

export interface WorkspaceResults {
  'workspace.create': WorkspaceInfo
  'workspace.open': WorkspaceInfo
  'workspace.close': { closed: boolean }
}
