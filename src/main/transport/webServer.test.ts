import { request } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeWire } from '../../shared/contract/wire'
import { createHandlers } from '../app/handlers'
import { Session } from '../app/session'
import { tempDir } from '../test/fixtures'
import { startWebTransport, type WebTransport } from './webServer'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function start(): Promise<{ t: WebTransport; session: Session }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const renderer = join(dir, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><html><head><script type="module" src="./assets/app.js"></script></head></html>')
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(dir, 'secret.txt'), 'secret')
  const session = new Session()
  const t = await startWebTransport({ handlers: createHandlers({ session, shell: 'web', version: 't' }), events: session.events, rendererDir: renderer })
  cleanups.unshift(async () => {
    await t.close()
    await session.close()
  })
  return { t, session }
}

function send(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', fail)
    if (opts.body) req.write(opts.body)
    req.end()
  })
}

describe('web transport', () => {
  it('listens on loopback only and refuses requests without the token or with a foreign Host', async () => {
    const { t } = await start()
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{48}\/$/)
    expect((await send(t.port, '/')).status).toBe(401)
    expect((await send(t.port, '/?token=wrong')).status).toBe(401)
    expect((await send(t.port, '/0123/')).status).toBe(401)
    expect((await send(t.port, `/${t.token}/`, { headers: { host: 'evil.example:80' } })).status).toBe(421)
  })

  it('serves the page under /<token>/ with the client script injected, sets no cookie and may not be framed', async () => {
    const { t } = await start()
    const res = await send(t.port, `/${t.token}/`)
    expect(res.status).toBe(200)
    expect(res.body).toContain('<script src="./__studio/api.js"></script>')
    // A cookie would be sent to every other server on 127.0.0.1, whatever its port.
    expect(res.headers['set-cookie']).toBeUndefined()
    expect(res.headers['content-security-policy']).toBe("frame-ancestors 'none'")
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    const base = `/${t.token}`
    expect((await send(t.port, `${base}/assets/app.js`)).body).toBe('console.log(1)')
    expect((await send(t.port, `${base}/__studio/api.js`)).body).toContain('window.api')
    expect((await send(t.port, '/assets/app.js')).status).toBe(401)
    expect((await send(t.port, `${base}/../secret.txt`)).body).not.toContain('secret')
    expect((await send(t.port, `${base}/assets/..%2f..%2fsecret.txt`)).status).toBe(403)
    expect((await send(t.port, `${base}/assets/%E0%A4%A`)).status).toBe(400)
    // The bare token path and an old ?token= link lead to the page.
    expect(await send(t.port, base)).toMatchObject({ status: 308, headers: { location: `${base}/` } })
    expect(await send(t.port, `/?token=${t.token}`)).toMatchObject({ status: 303, headers: { location: `${base}/` } })
  })

  it('runs contract calls with validation, answers malformed ones with 400/404/413, and refuses cross-origin ones', async () => {
    const { t } = await start()
    const headers = { 'x-studio-token': t.token, 'content-type': 'application/json' }
    const ok = await send(t.port, '/__studio/rpc/app.info', { method: 'POST', headers, body: '{}' })
    expect(decodeWire(ok.body)).toMatchObject({ ok: true, value: { shell: 'web', workspace: null } })
    // The page's own path works without the header.
    const inPage = await send(t.port, `/${t.token}/__studio/rpc/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(decodeWire(inPage.body)).toMatchObject({ ok: true })
    const bad = await send(t.port, '/__studio/rpc/images.query', { method: 'POST', headers, body: '{"filter":{},"offset":"x","limit":1}' })
    expect(decodeWire(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    const junk = await send(t.port, '/__studio/rpc/app.info', { method: 'POST', headers, body: '{nope' })
    expect(junk.status).toBe(400)
    expect(decodeWire(junk.body)).toMatchObject({ ok: false, error: { code: 'invalid_argument', message: 'body is not valid JSON' } })
    const unknown = await send(t.port, '/__studio/rpc/no.such', { method: 'POST', headers, body: '{}' })
    expect(unknown.status).toBe(404)
    expect(decodeWire(unknown.body)).toMatchObject({ ok: false, error: { message: 'Unknown channel "no.such"' } })
    expect((await send(t.port, '/__studio/rpc/%E0%A4%A', { method: 'POST', headers, body: '{}' })).status).toBe(400)
    const huge = await send(t.port, '/__studio/rpc/app.info', { method: 'POST', headers, body: `{"x":"${'a'.repeat(9 * 1024 * 1024)}"}` })
    expect(huge.status).toBe(413)
    expect(decodeWire(huge.body)).toMatchObject({ ok: false, error: { message: 'request body over 8 MB' } })
    const noToken = await send(t.port, '/__studio/rpc/app.info', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(noToken.status).toBe(401)
    const cross = await send(t.port, '/__studio/rpc/app.info', { method: 'POST', headers: { ...headers, origin: 'http://evil.example' }, body: '{}' })
    expect(cross.status).toBe(403)
  })

  it('streams events to subscribers', async () => {
    const { t, session } = await start()
    const received = await new Promise<string>((ok, fail) => {
      const req = request(
        { host: '127.0.0.1', port: t.port, path: '/__studio/events', headers: { host: `127.0.0.1:${t.port}`, 'x-studio-token': t.token } },
        (res) => {
          let text = ''
          res.on('data', (c: Buffer) => {
            text += c.toString()
            if (text.includes(': connected') && !text.includes('event:')) session.events.emit('workspace.changed', { what: 'images' })
            if (text.includes('event: workspace.changed')) {
              req.destroy()
              ok(text)
            }
          })
        }
      )
      req.on('error', (e) => (String(e).includes('socket hang up') ? undefined : fail(e)))
      req.end()
    })
    expect(received).toContain('data: {"what":"images"}')
  })
})
