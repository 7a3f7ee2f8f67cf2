/** The workspace's label classes: the list, its edits, their history and undo. */
import { z } from 'zod'
import { CLASS_KINDS } from '../../domain'
import { classNameProblem } from '../../classNames'
import type { ClassDef } from '../types'
import { id, none } from '../schemas'

export const className = z.string().superRefine((name, ctx) => {
  const problem = classNameProblem(name)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})
export const classColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #aabbcc')

export const classesArgs = {
  'classes.list': none,
  'classes.save': z.object({ id: id.optional(), name: className, color: classColor, kind: z.enum(CLASS_KINDS) }).strict(),
  // Only the fields the user changed: a full row from a stale copy would undo a change saved meanwhile.
  'classes.edit': z
    .object({ id, name: className.optional(), color: classColor.optional(), kind: z.enum(CLASS_KINDS).optional() })
    .strict()
    .refine((e) => e.name !== undefined || e.color !== undefined || e.kind !== undefined, 'give at least one of name, color and kind'),
  'classes.usage': none,
  'classes.reorder': z.object({ ids: z.array(id).min(1).max(1000) }).strict(),
  'classes.merge': z.object({ sourceId: id, targetId: id }).strict(),
  // deleteLabels: the number of labels the user agreed to delete with the class; refused when it is no longer that number.
  'classes.delete': z.object({ id, deleteLabels: z.number().int().nonnegative().optional() }).strict(),
  'classes.history': z.object({ limit: z.number().int().positive().max(1000).optional() }).strict(),
  'classes.undo': none,
  'classes.sinceRun': z.object({ runId: id }).strict()
} as const

export type ClassChangeOp = 'create' | 'update' | 'reorder' | 'merge' | 'delete'

/** One entry of the class history, newest first in lists. */
export interface ClassChange {
  id: number
  op: ClassChangeOp
  /** The class changed (for a merge, the one merged away); null for a reorder. */
  classId: number | null
  /** A merge's target. */
  targetId: number | null
  /** Readable: "fold renamed to Blowhole", "fold merged into Blowhole (12 labels moved)". */
  summary: string
  author: string
  at: string
  undoneAt: string | null
  undoneBy: string | null
}

/** How much of the workspace uses a class (live labels only). */
export interface ClassUsage {
  classId: number
  labels: number
  frames: number
  /** Frames marked normal that carry labels of it (only region classes can). */
  normalFrames: number
}

/** What a run was trained on against the workspace's classes today. */
export interface ClassesSinceRun {
  runId: number
  /** The class names the run's model has outputs for (its own config), null when it has no readable model. */
  trainedOn: string[] | null
  /** Class changes after the run was created and not undone, oldest first. */
  changes: ClassChange[]
}

export interface ClassesResults {
  'classes.list': ClassDef[]
  'classes.save': ClassDef
  'classes.edit': ClassDef
  'classes.usage': ClassUsage[]
  'classes.reorder': ClassDef[]
  'classes.merge': ClassChange
  'classes.delete': ClassChange
  'classes.history': ClassChange[]
  'classes.undo': ClassChange
  'classes.sinceRun': ClassesSinceRun
}
