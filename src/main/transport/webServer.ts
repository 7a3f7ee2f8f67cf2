import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import { type Handlers } from '../../shared/contract'
import { decodeWire, encodeWire } from '../../shared/contract/wire'
import { dispatch } from '../app/dispatch'
import type { EventHub } from '../services/events'
import { webClientScript } from './webClient'

export interface WebTransport {
  /** Open this in a browser: it carries the token once, then a cookie does. */
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
const COOKIE = 'studio_token'

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

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const given = url.searchParams.get('token') ?? (req.headers['x-studio-token'] as string | undefined) ?? cookieToken(req)
    if (!given || given.length !== token.length) return false
    return timingSafeEqual(Buffer.from(given), Buffer.from(token))
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host')
      return
    }
    const url = new URL(req.url ?? '/', `http://${host}`)
    if (!authorised(req, url)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('missing or wrong token')
      return
    }
    const headers: Record<string, string> = {
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
    }
    if (req.method === 'POST' && url.pathname.startsWith('/__studio/rpc/')) {
      const origin = req.headers.origin
      if (origin && origin !== `http://${host}`) {
        res.writeHead(403, headers).end('cross-origin call refused')
        return
      }
      const channel = decodeURIComponent(url.pathname.slice('/__studio/rpc/'.length))
      const body = await readBody(req)
      let args: unknown
      try {
        args = body.length ? decodeWire(body) : {}
      } catch {
        res.writeHead(200, { ...headers, 'content-type': 'application/json' })
        res.end(encodeWire({ ok: false, error: { code: 'invalid_argument', message: 'body is not valid JSON' } }))
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
    const file = resolve(rendererDir, '.' + decodeURIComponent(url.pathname))
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
    url: `http://127.0.0.1:${port}/?token=${token}`,
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

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [k, v] = part.trim().split('=')
    if (k === COOKIE) return v
  }
  return undefined
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new Error('request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
