#!/usr/bin/env node
// run-pds.js - a real AT Protocol PDS (@atproto/pds, the reference code in dev
// mode) plus an in-memory did:plc directory, on loopback only, for the Bluesky
// connector's tests. Started and stopped by tests/peers/bluesky.sh; runs until
// SIGTERM/SIGINT. No AppView: app.bsky.* reads are not served.
//
// Adapted from the verified recipe in shared/peers/bluesky (run-pds.js), with
// only the no-AppView path kept.
//
// Environment:
//   PLC_PORT    did:plc directory port (default 2582)
//   PDS_PORT    PDS port               (default 2583)
//   DATA_DIR    PDS sqlite files and blobs; wiped on every start, because the
//               PLC directory lives in memory and old accounts would not resolve
//   READY_FILE  written (JSON with the endpoints) once both servers listen
'use strict'

// Loopback only: none of the atproto servers take a bind address (they call
// server.listen(port), which binds every interface), so a listen() without a
// host gets 127.0.0.1.
const net = require('node:net')
const dns = require('node:dns')
const BIND_HOST = '127.0.0.1'
const origListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, BIND_HOST)
  } else if (args[0] && typeof args[0] === 'object' && !args[0]._handle &&
             args[0].path === undefined && args[0].fd === undefined && args[0].host === undefined) {
    args[0] = { ...args[0], host: BIND_HOST }
  } else if (args.length === 0 || typeof args[0] === 'function') {
    args.unshift(0, BIND_HOST)
  }
  return origListen.apply(this, args)
}
// The servers build http://localhost:PORT URLs: resolve localhost to 127.0.0.1
// first (nothing listens on ::1).
dns.setDefaultResultOrder('ipv4first')

const fs = require('node:fs')
const path = require('node:path')

const PLC_PORT = Number(process.env.PLC_PORT || 2582)
const PDS_PORT = Number(process.env.PDS_PORT || 2583)
const DATA_DIR = process.env.DATA_DIR || '/tmp/tribu-pds-data'

async function main () {
  // Only the no-AppView network: loading all of dev-env would also load the
  // AppView and Ozone (seconds more on a 2-core box).
  const { TestNetworkNoAppView } = require('@atproto/dev-env/dist/network-no-appview')
  fs.rmSync(DATA_DIR, { recursive: true, force: true })
  fs.mkdirSync(path.join(DATA_DIR, 'blobs'), { recursive: true })
  // dev-env sets devMode, a JWT secret, a fresh PLC rotation key, no invite
  // codes, handle domains .test/.example and an unreachable AppView URL.
  const network = await TestNetworkNoAppView.create({
    plc: { port: PLC_PORT },
    pds: {
      port: PDS_PORT,
      hostname: 'localhost',
      dataDirectory: DATA_DIR,
      blobstoreDiskLocation: path.join(DATA_DIR, 'blobs'),
      adminPassword: 'admin-pass',
    },
  })
  const info = {
    pid: process.pid,
    node: process.version,
    plc: `http://127.0.0.1:${network.plc.port}`,
    pds: `http://127.0.0.1:${network.pds.port}`,
    pdsDid: network.pds.ctx.cfg.service.did,
    handleDomains: network.pds.ctx.cfg.identity.serviceHandleDomains,
  }
  console.log('READY ' + JSON.stringify(info))
  if (process.env.READY_FILE) fs.writeFileSync(process.env.READY_FILE, JSON.stringify(info, null, 2))

  let closing = false
  const shutdown = async (sig) => {
    if (closing) return
    closing = true
    console.log(`received ${sig}, closing`)
    const force = setTimeout(() => process.exit(1), 10000)
    force.unref()
    try { await network.close() } catch (e) { console.error('close error', e) }
    process.exit(0)
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

main().catch((err) => {
  console.error('FAILED', err)
  process.exit(1)
})
