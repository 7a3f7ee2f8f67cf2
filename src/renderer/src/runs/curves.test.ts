import { describe, expect, it } from 'vitest'
import type { RunEpoch } from '../../../shared/contract'
import { epochTicks, linePath, mergeEpochs, stageCurves, toScreen, yDomain, type Frame } from './curves'

const ep = (stage: string, epoch: number, trainLoss: number, valLoss: number | null = null): RunEpoch => ({ runId: 1, stage, epoch, trainLoss, valLoss })

describe('loss curves', () => {
  it('merges stored and live epochs, keeping stage order and the later record of a repeated epoch', () => {
    const history = [ep('recon', 1, 0.5), ep('recon', 2, 0.4)]
    const live = [ep('recon', 2, 0.39), ep('disc', 1, 0.1)]
    expect(mergeEpochs(history, live).map((e) => [e.stage, e.epoch, e.trainLoss])).toEqual([
      ['recon', 1, 0.5],
      ['recon', 2, 0.39],
      ['disc', 1, 0.1]
    ])
  })

  it('builds one set of curves per stage, with the running loss between epochs', () => {
    const curves = stageCurves(
      [ep('recon', 1, 0.5, 0.45), ep('disc', 1, 0.1, null)],
      [
        { stage: 'recon', x: 0.5, loss: 0.6 },
        { stage: 'disc', x: 1.25, loss: 0.09 }
      ],
      { recon: 3, disc: 2 }
    )
    expect(curves.map((c) => c.stage)).toEqual(['recon', 'disc'])
    expect(curves[0]).toEqual({ stage: 'recon', epochs: 3, train: [{ x: 1, y: 0.5 }], val: [{ x: 1, y: 0.45 }], live: [{ x: 0.5, y: 0.6 }] })
    // No validation loss recorded: no validation point.
    expect(curves[1]!.val).toEqual([])
    expect(curves[1]!.epochs).toBe(2)
  })

  it('widens the x-axis when a stage runs more epochs than planned (a resume, a changed setting)', () => {
    expect(stageCurves([ep('disc', 5, 0.1)], [], { disc: 2 })[0]!.epochs).toBe(5)
  })

  it('pads the y-range, never below zero for losses, and never empty', () => {
    const [lo, hi] = yDomain([0.1, 0.5])
    expect(lo).toBeCloseTo(0.068)
    expect(hi).toBeCloseTo(0.532)
    expect(yDomain([0.01, 1])[0]).toBe(0)
    expect(yDomain([])).toEqual([0, 1])
    const flat = yDomain([0.2, 0.2])
    expect(flat[0]).toBeLessThan(0.2)
    expect(flat[1]).toBeGreaterThan(0.2)
  })

  it('maps points into the plot with y growing upwards', () => {
    const f: Frame = { left: 10, top: 0, width: 100, height: 50, x: [0, 2], y: [0, 1] }
    expect(toScreen(f, { x: 0, y: 0 })).toEqual([10, 50])
    expect(toScreen(f, { x: 2, y: 1 })).toEqual([110, 0])
    expect(linePath(f, [{ x: 0, y: 0 }, { x: 1, y: 0.5 }])).toBe('M10.0 50.0 L60.0 25.0')
    expect(linePath(f, [])).toBe('')
  })

  it('puts at most about six ticks on the epoch axis, always the last epoch', () => {
    expect(epochTicks(3)).toEqual([0, 1, 2, 3])
    expect(epochTicks(30)).toEqual([0, 5, 10, 15, 20, 25, 30])
    expect(epochTicks(7)).toEqual([0, 2, 4, 6, 7])
  })
})
