/**
 * A progress bar on stderr: redrawn in place on a terminal, a line every
 * few seconds when piped (CI logs stay readable).
 */
export class ProgressBar {
  private lastLine = 0
  private readonly started = Date.now()

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr
  ) {}

  update(done: number, total: number, detail = ''): void {
    const now = Date.now()
    const frac = total > 0 ? Math.min(1, done / total) : 0
    const elapsed = (now - this.started) / 1000
    const eta = done > 0 && total > done ? ((elapsed / done) * (total - done)).toFixed(0) + 's' : '-'
    const width = 28
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.')
    const text = `${this.label} [${bar}] ${done}/${total} ${(frac * 100).toFixed(0)}% eta ${eta} ${detail}`
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.slice(0, (this.stream.columns ?? 100) - 1).padEnd((this.stream.columns ?? 100) - 1)}`)
    } else if (now - this.lastLine > 3000 || done === total) {
      this.lastLine = now
      this.stream.write(`${text}\n`)
    }
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n')
  }
}
