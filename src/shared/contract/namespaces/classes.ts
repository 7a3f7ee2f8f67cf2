/** The workspace's label classes. */
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
  'classes.save': z.object({ id: id.optional(), name: className, color: classColor, kind: z.enum(CLASS_KINDS) }).strict()
} as const

export interface ClassesResults {
  'classes.list': ClassDef[]
  'classes.save': ClassDef
}
