/** How runs, stages and metrics read on screen. Pure, so the wording is unit-tested. */
import type { MetricDrop, RunOutcome, RunProgress, RunSetup, RunSummary, TrainingSettings } from '../../../shared/contract'
import { normalMarkedText, normalsRiseText, simulatedShareText } from '../../../shared/contract/training'
import { inferTileFor } from '../../../shared/arcd/config'

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
  if (run.kind === 'eval') return `Run #${run.id} · re-evaluation on current labels`
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

/** "3 of 11 (27%)": a count of frames out of a total; a dash when the report predates the count or there is nothing to count. */
export function formatFrames(n: number | undefined, of: number): string {
  if (n === undefined || !Number.isFinite(n) || !(of > 0)) return '–'
  return `${n} of ${of} (${Math.round((100 * n) / of)}%)`
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

/** A share in 0..1 as a whole percent; a dash when there is none. */
export function formatShare(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${Math.round(100 * v)}%`
}

/** What follows a regression's metric name: " fell by 0.030 (0.400 → 0.370)", " rose from 5% to 20% of the normal test frames". */
export function formatDrop(d: MetricDrop): string {
  if (d.b === null) return `: no output for the class (was ${formatMetric(d.a)})`
  if (d.rise) return ` ${normalsRiseText(d.a, d.b)}`
  return ` fell by ${formatMetric(d.drop)} (${formatMetric(d.a)} → ${formatMetric(d.b)})`
}

/** A difference of two shares in percentage points, signed. */
export function formatPoints(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '–'
  const p = Math.round(100 * d)
  return p === 0 ? '±0 pts' : `${p > 0 ? '+' : '−'}${Math.abs(p)} pts`
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

const LOSS_NAMES: Record<string, string> = {
  'focal-dice': 'focal + Dice',
  'bce-dice': 'cross-entropy + Dice',
  'focal-batch': 'focal, per-batch balance (thesis)'
}

export function lossName(loss: string | null): string {
  return loss === null ? 'not recorded' : (LOSS_NAMES[loss] ?? loss)
}

/** How long a run trains: minutes with tiles and a budget, else steps or epochs. */
function lengthText(s: { input: string; budgetMinutes: number | null; steps1: number | null; steps2: number | null; epochs1: number; epochs2: number }): string {
  if (s.input === 'letterbox') return `${s.epochs1} + ${s.epochs2} epochs`
  if (s.budgetMinutes !== null && s.budgetMinutes > 0) return `${s.budgetMinutes} min`
  return `${s.steps1 ?? '?'} + ${s.steps2 ?? '?'} steps`
}

function inputText(s: { input: string; size: number; maxShortSide: number | null }): string {
  return s.input === 'tiles'
    ? `${s.size} px crops, tiles up to ${inferTileFor(s.size)} px, short side up to ${s.maxShortSide ?? '?'} px`
    : `whole frame letterboxed to ${s.size} px`
}

/** The workspace's settings in one line (the form and the Retrain dialog). */
export function trainingSettingsLine(s: TrainingSettings): string {
  return [
    `${s.preset.toUpperCase()} preset`,
    lengthText(s),
    inputText(s),
    `widths ${s.reconBase}/${s.discBase}, depths ${s.reconDepth}/${s.discDepth}`,
    `batch ${s.batchSize}, lr ${s.lr}`,
    lossName(s.loss),
    ...(s.input === 'tiles' && s.pretrainShare > 0 ? [`simulated anomalies in ${simulatedShareText(s.pretrainShare)}`] : []),
    ...(s.input === 'tiles' && !s.inferFlips ? ['maps in one pass'] : []),
    ...(s.input === 'tiles' ? [`thresholds: ${normalMarkedText(s.maxNormalMarked)}`] : []),
    `auto-promote ${s.autoPromote ? 'on' : 'off'}`
  ].join(' · ')
}

/** A training run's settings as label/value rows; the U-Net baseline has no reconstruction network. */
export function setupRows(setup: RunSetup, arch: string): [string, string][] {
  const rows: [string, string][] = [
    ['Preset', setup.preset === null ? 'not recorded' : setup.preset.toUpperCase()],
    ['Input', inputText(setup)],
    ['Length', lengthText(setup) + (setup.input === 'tiles' && setup.evalRounds !== null ? `, ${setup.evalRounds} validation rounds per stage` : '')]
  ]
  if (arch !== 'unet') rows.push(['Reconstruction net', `width ${setup.reconBase}, depth ${setup.reconDepth}, ${setup.reconSkips ? 'skip connections' : 'no skips'}`])
  const reads = setup.reconResidual ? 'residual' : 'reconstruction'
  rows.push(arch === 'unet' ? ['U-Net', `width ${setup.discBase}, depth ${setup.discDepth}`] : ['Segmentation net', `width ${setup.discBase}, depth ${setup.discDepth}, reads image and ${reads}`])
  rows.push(['Optimiser', `batch ${setup.batchSize}, lr ${setup.lr}, seed ${setup.seed}`])
  rows.push(['Loss', lossName(setup.loss) + (arch !== 'unet' && setup.ssimWeight !== null ? `; stage 1 SSIM weight ${setup.ssimWeight}` : '')])
  // Stage 2's simulated anomalies exist for ARCD with tiles; runs recorded before the setting had none.
  if (arch !== 'unet' && setup.input === 'tiles' && setup.pretrainShare !== null) rows.push(['Simulated anomalies', simulatedShareText(setup.pretrainShare)])
  if (setup.rotate90 !== null) rows.push(['Augmentation', setup.rotate90 ? 'flips and 90° turns' : 'flips only'])
  if (setup.input === 'tiles' && setup.maxNormalMarked !== null) rows.push(['Thresholds', normalMarkedText(setup.maxNormalMarked)])
  if (setup.input === 'tiles') rows.push(['Inference', setup.inferFlips ? 'each tile and its three mirror images, averaged' : 'one pass a tile'])
  return rows
}

/** "stage 1: 600 steps (0.21 s each) · stage 2: 1200 steps", or that stage 1 was reused. */
export function planText(plan: NonNullable<RunOutcome['plan']>, arch: string): string {
  const each = (sec: number | null) => (sec !== null && Number.isFinite(sec) ? ` (${sec < 1 ? sec.toFixed(2) : sec.toFixed(1)} s each)` : '')
  const unit = 'steps'
  const parts: string[] = []
  if (arch !== 'unet') {
    parts.push(plan.reconReused ? 'stage 1: reconstruction net reused from the warm-start model, not retrained' : `stage 1: ${plan.stage1Steps} ${unit}${each(plan.secondsPerStep.recon)}`)
  }
  const simulated = arch !== 'unet' && plan.stage2SimulatedSteps ? `, the first ${plan.stage2SimulatedSteps} on simulated anomalies` : ''
  parts.push(`${arch === 'unet' ? 'training' : 'stage 2'}: ${plan.stage2Steps} ${unit}${each(plan.secondsPerStep.disc)}${simulated}`)
  const v = plan.validation
  if (v) {
    const of = (n: number, all: number) => (n < all ? `${n} of ${all}` : `${n}`)
    const plain = v.finalFlips ? '' : ', maps without mirrored tiles'
    parts.push(`thresholds from ${of(v.labelled, v.candidateLabelled)} labelled and ${of(v.normals, v.candidateNormals)} normal validation frames${plain}`)
  }
  return parts.join(' · ')
}
