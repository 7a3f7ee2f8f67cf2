/**
 * Child process for crashLabels.test.ts: opens a workspace and saves labels
 * in a tight loop through the same service the UI uses, printing one line
 * per save *after* saveFrameLabels returned (the transaction is committed):
 *   ack <seq> <imageId> <newest revision row of the frame> <json of [labelId, revision, points][]>
 * The parent SIGKILLs it at some point and checks every acked save.
 * Usage: node --import tsx crashSaveChild.ts <workspace> <classId> <imageId>...
 */
import { saveFrameLabels, type LabelDraft } from '../services/labels'
import { Workspace } from '../services/workspace'

const [dir, classArg, ...imageArgs] = process.argv.slice(2)
if (!dir || !classArg || imageArgs.length === 0) {
  process.stderr.write('usage: crashSaveChild.ts <workspace> <classId> <imageId>...\n')
  process.exit(2)
}
const classId = Number(classArg)
const imageIds = imageArgs.map(Number)
const ws = Workspace.open(dir)
process.stdout.write('ready\n')

/** A small square that moves with the sequence number, so every save changes something. */
function square(seq: number, k: number): number[] {
  const x = 2 + ((seq * 3 + k * 7) % 20)
  const y = 2 + ((seq * 5 + k * 11) % 20)
  return [x, y, x + 6, y, x + 6, y + 6, x, y + 6]
}

const newestRevision = ws.db.prepare('SELECT max(id) FROM label_revisions WHERE image_id = ?').pluck()
let seq = 0
// Synchronous saves back to back: the kill lands inside a transaction far more often than between them.
for (;;) {
  seq += 1
  const imageId = imageIds[seq % imageIds.length]!
  const current = ws.db.prepare('SELECT id FROM labels WHERE image_id = ? AND deleted_at IS NULL ORDER BY id').pluck().all(imageId) as number[]
  // Alternate: move the existing labels, add one, or drop one, so updates, creates and deletes all happen.
  const drafts: LabelDraft[] = current.map((id, k) => ({ id, classId, points: square(seq, k) }))
  if (seq % 3 === 0 || drafts.length === 0) drafts.push({ classId, points: square(seq, drafts.length) })
  else if (seq % 3 === 1 && drafts.length > 2) drafts.shift()
  const saved = saveFrameLabels(ws, imageId, drafts, 'crash-test')
  const newest = newestRevision.get(imageId) as number
  process.stdout.write(`ack ${seq} ${imageId} ${newest} ${JSON.stringify(saved.map((l) => [l.id, l.revision, l.points]))}\n`)
}
