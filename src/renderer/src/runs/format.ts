/** How runs, stages and metrics read on screen. Pure, so the wording is unit-tested. */
import type { RunProgress, RunSummary } from '../../../shared/contract'

const STAGE_NAMES: Record<string, string> = {
  recon: 'reconstruction',
  disc: 'segmentation',
  eval: 'testing',
  infer: 'pre-annotation'
}

export function stageName(stage: string): string {
  return STAGE_NAMES[stage] ?? stage
}

export function runTitle(run: Pick<RunSummary, 'id' | 'kind' | 'arch'>): string {
  if (run.kind === 'infer') return `Run #${run.id} · pre-annotation`
  if (run.kind === 'train') return `Run #${run.id} · ${run.arch === 'unet' ? 'U-Net baseline' : 'ARCD'} training`
  return `Run #${run.id} · ${run.kind}`
}

/** "about 1 min 5 s left"; empty until the ML process can estimate. */
export function formatEta(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return ''
  const s = Math.ceil(sec)
  if (s < 60) return `about ${s} s left`
  if (s < 3600) return `about ${Math.floor(s / 60)} min ${s % 60} s left`
  return `about ${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min left`
}

export function formatDuration(fromIso: string | null, toIso: string | null, now = Date.now()): string {
  if (!fromIso) return ''
  const ms = (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso)
  if (!Number.isFinite(ms) || ms < 0) return ''
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

export function formatTime(iso: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A metric in 0..1 shown with three decimals; a dash when there is none. */
export function formatMetric(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3)
}

/** A signed difference; every metric shown is better when higher. */
export function formatDelta(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '–'
  if (Math.abs(d) < 0.0005) return '±0.000'
  return `${d > 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}`
}

export function deltaClass(d: number | null | undefined): 'up' | 'down' | 'same' {
  if (d === null || d === undefined || !Number.isFinite(d) || Math.abs(d) < 0.0005) return 'same'
  return d > 0 ? 'up' : 'down'
}

export function formatLoss(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–'
  return Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toPrecision(2)
}

/** An axis label: enough decimals to tell ticks `step` apart, no more. */
export function formatTick(v: number, step: number): string {
  if (!Number.isFinite(v)) return ''
  const digits = step > 0 && Number.isFinite(step) ? Math.min(6, Math.max(0, Math.ceil(-Math.log10(step / 2)))) : 3
  return v.toFixed(digits)
}

/** Share of a stage done, 0..1: epochs count whole, the current one by its steps. */
export function stageFraction(p: Pick<RunProgress, 'epoch' | 'epochs' | 'step' | 'steps'>): number {
  const inEpoch = p.steps > 0 ? Math.min(1, p.step / p.steps) : 0
  if (p.epochs > 0) return Math.min(1, Math.max(0, (Math.max(0, p.epoch - 1) + inEpoch) / p.epochs))
  return inEpoch
}

/** "12 new defects since model #7", the line under the Retrain button. */
export function newLabelsLine(newDefects: number, activeModelId: number | null): string {
  const n = `${newDefects} ${newDefects === 1 ? 'defect' : 'defects'}`
  if (activeModelId === null) return newDefects === 0 ? 'no defect labels yet' : `${n} labelled, no model yet`
  return newDefects === 0 ? `no new defects since model #${activeModelId}` : `${n.replace(/^(\d+) /, '$1 new ')} since model #${activeModelId}`
}
