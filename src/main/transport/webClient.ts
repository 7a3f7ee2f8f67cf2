import { CHANNELS, EVENT_NAMES } from '../../shared/contract'

/**
 * The browser side of the web transport, served as /__studio/api.js. It is
 * generated here rather than built into the renderer so that no transport
 * code ever ships in the app: in Electron the preload provides window.api.
 */
export function webClientScript(): string {
  return `(() => {
  'use strict';
  const CHANNELS = ${JSON.stringify(CHANNELS)};
  const EVENTS = ${JSON.stringify(EVENT_NAMES)};
  const toB64 = (bytes) => { let s = ''; for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)); return btoa(s); };
  const fromB64 = (text) => { const s = atob(text); const out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; };
  const encode = (v) => JSON.stringify(v, (k, x) => (x instanceof Uint8Array ? { $bytes: toB64(x) } : x));
  const decode = (t) => JSON.parse(t, (k, x) => (x && typeof x === 'object' && typeof x.$bytes === 'string' ? fromB64(x.$bytes) : x));
  async function invoke(channel, args) {
    const res = await fetch('./__studio/rpc/' + encodeURIComponent(channel), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: encode(args === undefined ? {} : args)
    });
    const env = decode(await res.text());
    if (env.ok) return env.value;
    const err = new Error(env.error.message);
    err.code = env.error.code; err.issues = env.error.issues;
    throw err;
  }
  const listeners = new Map();
  const source = new EventSource('./__studio/events');
  for (const name of EVENTS) {
    source.addEventListener(name, (e) => {
      const payload = decode(e.data);
      for (const l of listeners.get(name) || []) { try { l(payload); } catch (err) { console.error(err); } }
    });
  }
  const api = {};
  for (const channel of CHANNELS) {
    const [ns, method] = channel.split('.');
    (api[ns] = api[ns] || {})[method] = (args) => invoke(channel, args);
  }
  api.on = (name, listener) => {
    if (!EVENTS.includes(name)) throw new Error('unknown event ' + name);
    if (!listeners.has(name)) listeners.set(name, new Set());
    listeners.get(name).add(listener);
    return () => listeners.get(name).delete(listener);
  };
  window.api = Object.freeze(api);
})();
`
}
