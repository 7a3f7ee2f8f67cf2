/**
 * The offline guarantee, observed from outside: every request a page makes
 * (with its workers) and every outbound connection the server process makes.
 * Reusable by any spec: start the services with startGuardedStudio, attach
 * recordPageNetwork to the browser context, run the flow, then assert
 * foreignRequests() and outboundConnections() are empty.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { ROOT, startStudio } from './studio'

export interface RecordedRequest {
  url: string
  method: string
  resourceType: string
  /** Chromium's reason when the request failed, e.g. net::ERR_BLOCKED_BY_CSP (set once it has failed). */
  failure?: string
}

export interface PageNetwork {
  requests: RecordedRequest[]
  /** Requests to anything but `origin`, blocked or not (data: and blob: URLs never leave the page and are not counted). */
  foreignRequests(): RecordedRequest[]
  /** Foreign requests the browser did not block itself (CSP, client): these would reach the network. */
  foreignRequestsSent(): RecordedRequest[]
  stop(): void
}

/** Failures that mean the browser stopped the request before it left. */
const BLOCKED = /ERR_BLOCKED_BY_(CSP|CLIENT|RESPONSE)|csp/i

/** Records every request of every page and worker in the context, from now on. */
export function recordPageNetwork(context: BrowserContext, origin: string): PageNetwork {
  const requests: RecordedRequest[] = []
  const byRequest = new Map<unknown, RecordedRequest>()
  const onRequest = (r: { url(): string; method(): string; resourceType(): string }): void => {
    const rec: RecordedRequest = { url: r.url(), method: r.method(), resourceType: r.resourceType() }
    byRequest.set(r, rec)
    requests.push(rec)
  }
  const onFailed = (r: { failure(): { errorText: string } | null }): void => {
    const rec = byRequest.get(r)
    if (rec) rec.failure = r.failure()?.errorText ?? 'failed'
  }
  context.on('request', onRequest)
  context.on('requestfailed', onFailed)
  const onPage = (page: { on(e: 'websocket', l: (ws: { url(): string }) => void): void }): void =>
    page.on('websocket', (ws) => requests.push({ url: ws.url(), method: 'WEBSOCKET', resourceType: 'websocket' }))
  context.on('page', onPage)
  for (const page of context.pages()) onPage(page)
  const foreign = (): RecordedRequest[] =>
    requests.filter((r) => {
      if (r.url.startsWith('data:') || r.url.startsWith('blob:')) return false
      try {
        return new URL(r.url).origin !== origin
      } catch {
        return true
      }
    })
  return {
    requests,
    foreignRequests: foreign,
    foreignRequestsSent: () => foreign().filter((r) => !(r.failure && BLOCKED.test(r.failure))),
    stop: () => {
      context.off('request', onRequest)
      context.off('requestfailed', onFailed)
      context.off('page', onPage)
    }
  }
}

export interface OutboundAttempt {
  kind: 'connect' | 'udp' | 'dns'
  target: string
  stack: string
}

export interface GuardedStudio {
  url: string
  origin: string
  workspaceDir: string
  /** Every outbound network attempt the server process made so far. */
  outboundConnections(): OutboundAttempt[]
  close(): Promise<void>
}

/**
 * The real services behind the loopback web transport (as startStudio), with
 * e2e/support/netGuard.mjs loaded into the server process to record its
 * outbound network attempts.
 */
export async function startGuardedStudio(opts: { framesPerView?: number; size?: string } = {}): Promise<GuardedStudio> {
  const logDir = mkdtempSync(join(tmpdir(), 'ds-net-'))
  const log = join(logDir, 'net.log')
  const studio = await startStudio({
    ...opts,
    preload: [join(ROOT, 'e2e', 'support', 'netGuard.mjs')],
    env: { DEFECT_STUDIO_NET_LOG: log }
  })
  return {
    url: studio.url,
    origin: new URL(studio.url).origin,
    workspaceDir: studio.workspaceDir,
    outboundConnections: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as OutboundAttempt)
        : [],
    close: async () => {
      await studio.close()
      rmSync(logDir, { recursive: true, force: true })
    }
  }
}
