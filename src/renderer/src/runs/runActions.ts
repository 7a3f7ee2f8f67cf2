/**
 * Promotions the user asked for in this window. When the active model
 * changes without one of these, main promoted it by itself (auto-promote),
 * and the UI says so.
 */
import { api } from '../api'

const byUser = new Set<number>()

export async function promoteRun(runId: number): Promise<number> {
  byUser.add(runId)
  try {
    return (await api().runs.promote({ runId })).modelId
  } catch (err) {
    byUser.delete(runId)
    throw err
  }
}

export function promotedByUser(runId: number): boolean {
  return byUser.has(runId)
}
