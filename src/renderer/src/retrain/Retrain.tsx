/**
 * One-click retrain: the header button with the count of labels new since
 * the active model, and the dialog that starts the run, follows it, shows
 * the comparison with the active model when it is done, and promotes or
 * declines it.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { RetrainStatus } from '../../../shared/contract'
import { api } from '../api'
import { newLabelsLine, stageFraction, stageName } from '../runs/format'
import { promotedByUser } from '../runs/runActions'
import { useRunLive } from '../runs/runLive'
import { useApiData } from '../runs/useApiData'
import { useToasts } from '../toasts'
import { RetrainDialog } from './RetrainDialog'
import './retrain.css'

export function Retrain() {
  const toasts = useToasts()
  const live = useRunLive()
  const loadStatus = useCallback(() => api().retrain.status({}), [])
  const { data: status } = useApiData(loadStatus, {
    runState: true,
    changed: ['images', 'labels', 'classes', 'runs', 'predictions']
  })
  const [open, setOpen] = useState(false)
  const [followed, setFollowed] = useState<number | null>(null)

  // The active model changed without a promotion asked for here: main promoted it (auto-promote).
  const lastActive = useRef<RetrainStatus['activeModel'] | undefined>(undefined)
  useEffect(() => {
    if (!status) return
    const before = lastActive.current
    lastActive.current = status.activeModel
    const now = status.activeModel
    if (before === undefined || now === null || before?.id === now.id || promotedByUser(now.runId)) return
    toasts.info(`Run #${now.runId} was promoted automatically: model #${now.id} is now active (auto-promote is on, and on the same test labels it did not fall behind the previous model).`)
  }, [status, toasts])

  // A retrain that ends while its dialog is closed still says so.
  const watched = useRef<number | null>(null)
  const isOpen = useRef(open)
  isOpen.current = open
  const follow = useCallback((runId: number | null) => {
    if (runId !== null) watched.current = runId
    setFollowed(runId)
  }, [])
  useEffect(
    () =>
      api().on('run.state', (s) => {
        if (isOpen.current || s.runId !== watched.current || s.kind !== 'train') return
        if (s.state !== 'done' && s.state !== 'failed') return
        watched.current = null
        if (s.state === 'done') toasts.info(`Run #${s.runId} finished: press the Retrain button to review it.`)
        else toasts.error(new Error(`Run #${s.runId} failed: ${s.error ?? 'unknown error'}`))
      }),
    [toasts]
  )

  const running = status?.running ?? null
  const pending = status?.pending ?? null
  const progress = running ? live.progress(running.id) : null
  let title = 'Retrain'
  let sub = status ? newLabelsLine(status.newDefectLabels, status.activeModel?.id ?? null) : '…'
  let mode = 'idle'
  if (running) {
    mode = 'running'
    title = `Training #${running.id}`
    sub = progress ? `${stageName(progress.stage)} ${Math.round(stageFraction(progress) * 100)} %` : running.state
  } else if (pending) {
    mode = 'pending'
    title = `Run #${pending.id} is ready`
    sub = 'review it: accept or decline'
  }

  const openDialog = () => {
    follow(running?.id ?? pending?.id ?? null)
    setOpen(true)
  }

  return (
    <>
      <button
        type="button"
        className={`retrain-button retrain-button-${mode}`}
        data-testid="retrain-button"
        data-mode={mode}
        data-new-defects={status?.newDefectLabels ?? ''}
        data-active-model={status?.activeModel?.id ?? ''}
        title={status?.activeModel ? `Active model #${status.activeModel.id} (run #${status.activeModel.runId})` : 'No active model yet'}
        onClick={openDialog}
      >
        {mode === 'running' && <span className="spinner" aria-hidden="true" />}
        <span className="retrain-title">{title}</span>
        <span className="retrain-sub" data-testid="retrain-count">
          {sub}
        </span>
      </button>
      {open && status && (
        <RetrainDialog
          status={status}
          runId={followed}
          onFollow={follow}
          onClose={(stillRunning) => {
            if (!stillRunning) watched.current = null
            setOpen(false)
            // Reopening shows what is current then: a running or pending run, or a fresh start.
            setFollowed(null)
          }}
        />
      )}
    </>
  )
}
