/**
 * Runs `fn` at most once per `ms`, always including a trailing call, so a
 * burst of change events (an import writing hundreds of rows) causes a few
 * refreshes, and the last state is never missed.
 */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let last = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  const run = () => {
    timer = null
    last = Date.now()
    fn()
  }
  const call = () => {
    if (timer !== null) return
    const wait = last + ms - Date.now()
    if (wait <= 0) run()
    else timer = setTimeout(run, wait)
  }
  call.cancel = () => {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }
  return call
}
