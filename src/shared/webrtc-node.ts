/**
 * Node-only WebRTC: a standard `RTCPeerConnection` class on node-datachannel's polyfill, with the native
 * options that the standard configuration cannot express (bind address, plain ICE server URLs). Used by the
 * Node volunteer (src/volunteer/node.ts) and the client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, type IceServer, initLogger, type LogLevel, PeerConnection } from 'node-datachannel';
import { chromiumShapedCertificate } from './dtls-certificate.js';

// STARLING_RTC_LOG=Debug (or Verbose, Info, Warning, Error) turns on libdatachannel's own log on stderr, for
// diagnosis. (The callback is not optional at run time, whatever the typings say: without it, initLogger throws.)
const rtcLog = process.env.STARLING_RTC_LOG;
if (rtcLog) initLogger(rtcLog as LogLevel, (level, message) => console.error(`rtc ${level} ${message}`));

import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';

export interface NodeRtcOptions {
  /** Local address ICE gathers candidates on; `127.0.0.1` keeps everything on loopback. Default: all. */
  bindAddress?: string;
  /**
   * STUN/TURN URLs (`stun:host:port`, from the command line); overrides `iceServers` of the standard
   * configuration, which otherwise come from the broker (signaling-v1 §3).
   */
  iceServers?: string[];
}

type RtcPeerConnectionClass = { new (config?: RTCConfiguration): RTCPeerConnection };

let created = 0;

/**
 * Every peer connection made here whose close() has not been called (issue 9, finding 11), whatever its
 * state: one that libdatachannel closed by itself (after a failure) still holds its native connection until
 * close(), and node-datachannel's cleanup() no longer sees it, so it waits for it for good. closeNodeWebRtc()
 * closes them all; `liveNodePeerConnections()` lets tests see a leak.
 */
const live = new Set<{ close(): void }>();

/** How many peer connections made by nodeRtcPeerConnectionClass() have not been closed with close(). */
export function liveNodePeerConnections(): number {
  return live.size;
}

/**
 * A native peer connection with a fresh Chromium-shaped DTLS certificate (src/shared/dtls-certificate.ts,
 * docs/dtls.md "Certificates"). libdatachannel reads certificates only from files, and reads them in the
 * constructor, so they exist for that long only, in a directory of their own that only this user can read.
 */
function nativePeerConnection(name: string, config: ConstructorParameters<typeof PeerConnection>[1]) {
  const { certificatePem, keyPem } = chromiumShapedCertificate();
  const dir = mkdtempSync(join(tmpdir(), 'starling-dtls-'));
  try {
    const certificatePemFile = join(dir, 'certificate.pem');
    const keyPemFile = join(dir, 'key.pem');
    writeFileSync(certificatePemFile, certificatePem, { mode: 0o600 });
    writeFileSync(keyPemFile, keyPem, { mode: 0o600 });
    return new PeerConnection(name, { ...config, certificatePemFile, keyPemFile });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TURN_URL_RE = /^(turns?):(\[[0-9a-fA-F:.]+\]|[^:?@\s]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/;

/**
 * The standard configuration's ICE servers as libdatachannel takes them: STUN URLs as they are, TURN servers
 * with credentials as structured fields (username and password are never spliced into a URL, where a `:`,
 * `@` or `/` in them would need escaping that libdatachannel does not undo). Exported for tests.
 */
export function nativeIceServers(config: RTCConfiguration | undefined): (string | IceServer)[] {
  const out: (string | IceServer)[] = [];
  for (const server of config?.iceServers ?? []) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      const m = TURN_URL_RE.exec(url);
      if (m === null || server.username === undefined || typeof server.credential !== 'string') {
        out.push(url);
        continue;
      }
      const tls = m[1] === 'turns';
      out.push({
        hostname: m[2]!.replace(/^\[|\]$/g, ''),
        port: m[3] === undefined ? (tls ? 5349 : 3478) : Number(m[3]),
        username: server.username,
        password: server.credential,
        relayType: tls ? 'TurnTls' : m[4] === 'tcp' ? 'TurnTcp' : 'TurnUdp',
      });
    }
  }
  return out;
}

/**
 * A standard `RTCPeerConnection` constructor whose instances run on libdatachannel with `opts` applied.
 * The polyfill accepts a ready native connection as `config.peerConnection`, which is how `bindAddress`
 * reaches libdatachannel.
 */
export function nodeRtcPeerConnectionClass(opts: NodeRtcOptions): RtcPeerConnectionClass {
  class NodeRtcPeerConnection extends PolyfillPeerConnection {
    constructor(config?: RTCConfiguration) {
      created += 1;
      const native = nativePeerConnection(`starling-${created}`, {
        iceServers: opts.iceServers ?? nativeIceServers(config),
        ...(opts.bindAddress === undefined ? {} : { bindAddress: opts.bindAddress }),
        iceTransportPolicy: config?.iceTransportPolicy === 'relay' ? 'relay' : 'all',
      });
      super({ ...config, iceServers: [], peerConnection: native });
      live.add(this);
    }

    override close(): void {
      live.delete(this);
      super.close();
    }
  }
  // The polyfill types `ondatachannel` with its own event class (runtime-compatible with the DOM one), so
  // TypeScript does not see it as a DOM RTCPeerConnection.
  return NodeRtcPeerConnection as unknown as RtcPeerConnectionClass;
}

/**
 * Stops node-datachannel for this process: calls close() on every peer connection made here that has not
 * had it (the owners should have, but a negotiation cut short at shutdown has not), lets the closes run,
 * then stops libdatachannel's threads (`cleanup()`). A process with an unclosed peer connection does not
 * exit by itself; call this at shutdown, after the components have closed what they own. Peer connections
 * cannot be created afterwards.
 *
 * Issue 9, finding 11: a peer connection that libdatachannel closed by itself after a failure (its answer
 * refused with "Got a remote candidate without ICE transport", say) is dropped from node-datachannel's own
 * list when it reports "closed", yet keeps its native connection until close() or garbage collection.
 * `cleanup()` then waits for it, gives up after 10 s ("cleanup timeout (possible deadlock)"), and the
 * process hangs or crashes on exit (bench/lib/rtc-cleanup.ts, docs/security.md). Rejects if `cleanup()`
 * still fails.
 */
export async function closeNodeWebRtc(): Promise<void> {
  for (const pc of [...live]) {
    try {
      pc.close();
    } catch {
      // the native side is already gone
    }
  }
  // The polyfill defers a data channel's close to setImmediate: let those run first.
  await new Promise((resolve) => setImmediate(resolve));
  cleanup();
}
