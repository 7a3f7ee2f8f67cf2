import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import { isChannel, type Handlers } from '../../shared/contract'
import { decodeWire, encodeWire } from '../../shared/contract/wire'
import { dispatch } from '../app/dispatch'
import type { EventHub } from '../services/events'
import { webClientScript } from './webClient'

export interface WebTransport {
  /**
   * Open this in a browser. The token is the first path segment, and every
   * page request is relative to it: no cookie carries it, since browsers
   * share cookies across ports and any other local server would receive it.
   */
  url: string
  port: number
  token: string
  close(): Promise<void>
}

export interface WebTransportOptions {
  handlers: Handlers
  events: EventHub
  /** The built renderer (out/renderer). */
  rendererDir: string
  port?: number
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
}
const MAX_BODY = 8 * 1024 * 1024

/** Bad requests: the status says what is wrong, the body is still an envelope the client can show. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

/**
 * Binds the contract to HTTP on the loopback interface, for `npm run dev:web`
 * and the Chromium tests. A development tool: it is never part of a build.
 * Loopback only, a random port and a random token; the Host header is checked
 * so a web page can't reach it by DNS rebinding.
 */
export async function startWebTransport(opts: WebTransportOptions): Promise<WebTransport> {
  const token = randomBytes(24).toString('hex')
  const rendererDir = resolve(opts.rendererDir)
  const indexFile = join(rendererDir, 'index.html')
  if (!existsSync(indexFile)) {
    throw new Error(`No built renderer at ${indexFile}. Run \`npm run build\` first.`)
  }
  const clientJs = webClientScript()
  const sockets = new Set<ServerResponse>()
  const clients = new Set<ServerResponse>()
  let port = 0

  const unsubscribe = opts.events.subscribe((event, payload) => {
    const frame = `event: ${event}\ndata: ${encodeWire(payload)}\n\n`
    for (const res of clients) res.write(frame)
  })

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`internal error: ${(err as Error).message}`)
    })
  })

  const matches = (given: string | undefined | null): boolean =>
    !!given && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token))

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host')
      return
    }
    const headers: Record<string, string> = {
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Nothing may frame the UI (clickjacking from another local page), and no request leaks the token-bearing URL.
      'content-security-policy': "frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer'
    }
    let url: URL
    try {
      url = new URL(req.url ?? '/', `http://${host}`)
    } catch {
      res.writeHead(400, headers).end('malformed request URL')
      return
    }
    // The page lives under /<token>/; scripts and tools may send the token in a header instead.
    const prefix = `/${token}`
    const first = url.pathname.split('/')[1]
    if (matches(first) && url.pathname === prefix) {
      res.writeHead(308, { ...headers, location: `${prefix}/` }).end()
      return
    }
    if (matches(first)) url.pathname = url.pathname.slice(prefix.length)
    else if (!matches(req.headers['x-studio-token'] as string | undefined)) {
      // An old-style link (?token=...) still opens the page, at its new address.
      if (url.pathname === '/' && matches(url.searchParams.get('token'))) {
        res.writeHead(303, { ...headers, location: `${prefix}/` }).end()
        return
      }
      res.writeHead(401, { ...headers, 'content-type': 'text/plain' }).end('missing or wrong token')
      return
    }
    if (req.method === 'POST' && url.pathname.startsWith('/__studio/rpc/')) {
      const origin = req.headers.origin
      if (origin && origin !== `http://${host}`) {
        res.writeHead(403, headers).end('cross-origin call refused')
        return
      }
      let channel: string
      let args: unknown
      try {
        channel = decodeURIComponent(url.pathname.slice('/__studio/rpc/'.length))
        if (!isChannel(channel)) throw new HttpError(404, `Unknown channel ${JSON.stringify(channel)}`)
        const body = await readBody(req)
        try {
          args = body.length ? decodeWire(body) : {}
        } catch {
          throw new HttpError(400, 'body is not valid JSON')
        }
      } catch (err) {
        const status = err instanceof HttpError ? err.status : err instanceof URIError ? 400 : 500
        const message = err instanceof URIError ? 'malformed channel name' : (err as Error).message
        res.writeHead(status, { ...headers, 'content-type': 'application/json' })
        res.end(encodeWire({ ok: false, error: { code: status === 500 ? 'internal' : 'invalid_argument', message } }))
        return
      }
      const envelope = await dispatch(opts.handlers, channel, args)
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(encodeWire(envelope))
      return
    }
    if (req.method !== 'GET') {
      res.writeHead(405, headers).end()
      return
    }
    if (url.pathname === '/__studio/events') {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', connection: 'keep-alive' })
      res.write(': connected\n\n')
      clients.add(res)
      req.on('close', () => clients.delete(res))
      return
    }
    if (url.pathname === '/__studio/api.js') {
      res.writeHead(200, { ...headers, 'content-type': MIME['.js']! }).end(clientJs)
      return
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const html = readFileSync(indexFile, 'utf8').replace(/<script/, '<script src="./__studio/api.js"></script>\n    <script')
      res.writeHead(200, { ...headers, 'content-type': MIME['.html']! }).end(html)
      return
    }
    let file: string
    try {
      file = resolve(rendererDir, '.' + decodeURIComponent(url.pathname))
    } catch {
      res.writeHead(400, headers).end('malformed path')
      return
    }
    if (!file.startsWith(rendererDir + sep)) {
      res.writeHead(403, headers).end('outside the renderer folder')
      return
    }
    try {
      const data = await readFile(file)
      res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(data)
    } catch {
      res.writeHead(404, headers).end('not found')
    }
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok())
  })
  port = (server.address() as AddressInfo).port
  server.on('connection', () => undefined)
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    port,
    token,
    close: async () => {
      unsubscribe()
      for (const res of clients) res.end()
      for (const res of sockets) res.end()
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  }
}

/**
 * The request body as text. Over the limit it fails at once but keeps
 * reading (and dropping) the rest, so the client gets the 413 instead of a
 * reset connection.
 */
function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = (): HttpError => new HttpError(413, `request body over ${MAX_BODY / 1024 / 1024} MB`)
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
    req.resume()
    return Promise.reject(tooLarge())
  }
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.length
      if (size > MAX_BODY) {
        failed = true
        chunks.length = 0
        fail(tooLarge())
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!failed) ok(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', (err) => {
      if (!failed) fail(err)
    })
  })
}
