/**
 * One-key verdicts on the shown frame: T shows what it would add and adds it
 * on a second T, F and M record at once, Ctrl+Z takes back the last one.
 */
import { useCallback, useEffect, useState } from 'react'
import type { AcceptPreview, ReviewQueue, ReviewVerdictName, Thresholds } from '../../../shared/contract'
import { api } from '../api'
import type { useToasts } from '../toasts'

/** What T would add to a frame, shown before it is added. */
export interface Proposal {
  imageId: number
  classId: number | null
  preview: AcceptPreview
  testFrame: boolean
}

/** The last verdict that changed a frame, for Undo (Ctrl+Z). */
export interface LastAction {
  imageId: number
  verdictIds: number[]
  text: string
  undoable: boolean
}

export type Busy = null | 'infer' | 'report' | 'save' | 'undo' | ReviewVerdictName

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function verdictText(verdict: ReviewVerdictName, r: { labelsAdded: number; status: string; pending: boolean }, relPath: string): string {
  if (r.pending) {
    return `${verdict === 'true_defect' ? 'True defect' : 'False positive'} on test frame ${relPath}: recorded, waiting for an inspector to confirm it in the editor. Its labels and status are unchanged.`
  }
  return verdict === 'true_defect'
    ? `True defect: ${plural(r.labelsAdded, 'polygon')} added to ${relPath}`
    : verdict === 'false_positive'
      ? `False positive${r.status === 'normal' ? `: ${relPath} is marked normal` : ` on ${relPath}`}`
      : 'Missed defect: draw it in the editor'
}

type Item = ReviewQueue['items'][number]

export interface VerdictDeps {
  item: Item | null
  /** The frame to show after a verdict moves on (the next one, else the previous). */
  after: number | null
  modelId: number | null
  thresholds: Thresholds
  focusClassId: number | null
  busy: Busy
  setBusy(b: Busy): void
  setCurrentId(id: number): void
  openEditor(): void
  refreshQueue(): void
  toasts: ReturnType<typeof useToasts>
}

export function useVerdicts(d: VerdictDeps) {
  const [proposal, setProposal] = useState<Proposal | null>(null)
  const [lastAction, setLastAction] = useState<LastAction | null>(null)
  const { item, after, modelId, thresholds, focusClassId, busy, setBusy, setCurrentId, openEditor, refreshQueue, toasts } = d
  const thresholdsKey = JSON.stringify(thresholds)
  const currentId = item?.imageId ?? null
  // A proposal belongs to one frame, class and set of thresholds: any change withdraws it.
  useEffect(() => setProposal(null), [currentId, focusClassId, thresholdsKey, modelId])

  const act = useCallback(
    async (verdict: ReviewVerdictName) => {
      if (!item || modelId === null || busy) return
      const testFrame = item.split === 'test'
      // T first shows what it would add; T again (or Enter) adds it.
      if (verdict === 'true_defect' && !(proposal && proposal.imageId === item.imageId)) {
        setBusy(verdict)
        try {
          const preview = await api().predictions.previewAccept({ imageId: item.imageId, modelId, thresholds, ...(focusClassId !== null ? { classId: focusClassId } : {}) })
          if (preview.add.length === 0) {
            toasts.info('Nothing new to accept: at these thresholds the prediction is empty or already under the labels. Lower the threshold, or mark a missed defect (M).')
          } else setProposal({ imageId: item.imageId, classId: focusClassId, preview, testFrame })
        } catch (e) {
          toasts.error(e)
        } finally {
          setBusy(null)
        }
        return
      }
      setBusy(verdict)
      try {
        const r = await api().review.verdict({
          imageId: item.imageId,
          modelId,
          verdict,
          thresholds,
          ...(verdict === 'true_defect' && proposal?.classId != null ? { classId: proposal.classId } : {})
        })
        setProposal(null)
        const text = verdictText(verdict, r, item.relPath)
        toasts.info(text)
        setLastAction(verdict === 'missed_defect' ? null : { imageId: item.imageId, verdictIds: r.verdicts.map((v) => v.id), text, undoable: !r.pending })
        if (verdict === 'missed_defect') openEditor()
        else if (after !== null) setCurrentId(after)
        refreshQueue()
      } catch (e) {
        toasts.error(e)
      } finally {
        setBusy(null)
      }
    },
    [item, after, modelId, busy, setBusy, thresholds, focusClassId, proposal, toasts, openEditor, refreshQueue, setCurrentId]
  )

  const undo = useCallback(async () => {
    if (!lastAction?.undoable || busy) return
    setBusy('undo')
    try {
      const r = await api().review.undoVerdict({ verdictIds: lastAction.verdictIds })
      toasts.info(`Undone: ${r.labelsAdded < 0 ? `${plural(-r.labelsAdded, 'polygon')} removed, ` : ''}the frame is ${r.status} again`)
      setLastAction(null)
      setCurrentId(lastAction.imageId)
      refreshQueue()
    } catch (e) {
      toasts.error(e)
    } finally {
      setBusy(null)
    }
  }, [lastAction, busy, setBusy, toasts, refreshQueue, setCurrentId])

  return { proposal, setProposal, lastAction, setLastAction, act, undo }
}
