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
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/)
    expect((await send(t.port, '/')).status).toBe(401)
    expect((await send(t.port, '/?token=wrong')).status).toBe(401)
    expect((await send(t.port, `/?token=${t.token}`, { headers: { host: 'evil.example:80' } })).status).toBe(421)
  })

  it('serves the page with the client script injected and sets a same-site cookie', async () => {
    const { t } = await start()
    const res = await send(t.port, `/?token=${t.token}`)
    expect(res.status).toBe(200)
    expect(res.body).toContain('<script src="./__studio/api.js"></script>')
    expect(String(res.headers['set-cookie'])).toMatch(/studio_token=[0-9a-f]+; HttpOnly; SameSite=Strict/)
    const cookie = `studio_token=${t.token}`
    expect((await send(t.port, '/assets/app.js', { headers: { cookie } })).body).toBe('console.log(1)')
    expect((await send(t.port, '/__studio/api.js', { headers: { cookie } })).body).toContain('window.api')
    expect((await send(t.port, '/../secret.txt', { headers: { cookie } })).body).not.toContain('secret')
    expect((await send(t.port, '/assets/..%2f..%2fsecret.txt', { headers: { cookie } })).status).toBe(403)
  })

  it('runs contract calls with validation and refuses cross-origin ones', async () => {
    const { t } = await start()
    const headers = { 'x-studio-token': t.token, 'content-type': 'application/json' }
    const ok = await send(t.port, '/__studio/rpc/app.info', { method: 'POST', headers, body: '{}' })
    expect(decodeWire(ok.body)).toMatchObject({ ok: true, value: { shell: 'web', workspace: null } })
    const bad = await send(t.port, '/__studio/rpc/images.query', { method: 'POST', headers, body: '{"filter":{},"offset":"x","limit":1}' })
    expect(decodeWire(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    const junk = await send(t.port, '/__studio/rpc/app.info', { method: 'POST', headers, body: '{nope' })
    expect(decodeWire(junk.body)).toMatchObject({ ok: false, error: { code: 'invalid_argument', message: 'body is not valid JSON' } })
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
