// Loaded with `node --import` into a server process under test: records every
// outbound network attempt the process makes (TCP/IPC connects, UDP sends,
// DNS lookups) as one JSON line each in the file named by
// DEFECT_STUDIO_NET_LOG. It blocks nothing; the spec reads the file and
// asserts it is empty. Inbound connections (the browser talking to the
// loopback server) are not outbound and are not recorded.
import { appendFileSync } from 'node:fs'
import dgram from 'node:dgram'
import dns from 'node:dns'
import net from 'node:net'

const LOG = process.env.DEFECT_STUDIO_NET_LOG
if (LOG) {
  const record = (kind, target) => {
    try {
      appendFileSync(LOG, JSON.stringify({ kind, target, pid: process.pid, stack: new Error().stack?.split('\n').slice(2, 6).join(' | ') }) + '\n')
    } catch {
      // The log is best effort; a failure to write must not change the process under test.
    }
  }
  const connect = net.Socket.prototype.connect
  net.Socket.prototype.connect = function patchedConnect(...args) {
    // net.connect() passes its arguments already normalised, as [options, callback].
    const first = Array.isArray(args[0]) ? args[0][0] : args[0]
    const target =
      typeof first === 'object' && first !== null && !Array.isArray(first)
        ? first.path ?? `${first.host ?? 'localhost'}:${first.port}`
        : typeof first === 'string' && Number.isNaN(Number(first))
          ? first
          : `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${first}`
    record('connect', String(target))
    return connect.apply(this, args)
  }
  const send = dgram.Socket.prototype.send
  dgram.Socket.prototype.send = function patchedSend(...args) {
    record('udp', args.filter((a) => typeof a === 'string' || typeof a === 'number').join(':'))
    return send.apply(this, args)
  }
  const lookup = dns.lookup
  // An IP literal is "looked up" without any query (server.listen does it too): not recorded.
  dns.lookup = function patchedLookup(hostname, ...rest) {
    if (!net.isIP(String(hostname))) record('dns', String(hostname))
    return lookup.call(this, hostname, ...rest)
  }
  const plookup = dns.promises.lookup
  dns.promises.lookup = function patchedPromiseLookup(hostname, ...rest) {
    if (!net.isIP(String(hostname))) record('dns', String(hostname))
    return plookup.call(this, hostname, ...rest)
  }
}
