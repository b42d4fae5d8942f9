/**
 * Node-only WebRTC: a standard `RTCPeerConnection` class on node-datachannel's polyfill, with the native
 * options that the standard configuration cannot express (bind address, plain ICE server URLs). Used by the
 * Node volunteer (src/volunteer/node.ts) and the client.
 */
import { cleanup, initLogger, type LogLevel, PeerConnection } from 'node-datachannel';

// STARLING_RTC_LOG=Debug (or Verbose, Info, Warning, Error) turns on libdatachannel's own log, for diagnosis.
const rtcLog = process.env.STARLING_RTC_LOG;
if (rtcLog) initLogger(rtcLog as LogLevel);

import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';

export interface NodeRtcOptions {
  /** Local address ICE gathers candidates on; `127.0.0.1` keeps everything on loopback. Default: all. */
  bindAddress?: string;
  /** STUN/TURN URLs (`stun:host:port`); overrides `iceServers` of the standard configuration. */
  iceServers?: string[];
}

/**
 * An offer as a node-datachannel answerer sees it: `actpass` becomes `active`, so that libdatachannel answers
 * `passive` and is the DTLS server (path-v1 §1). libdatachannel on its own answers `actpass` with `active`,
 * and as a DTLS client it sends its ClientHello as soon as its own ICE check succeeds, often before the
 * offerer's DTLS transport exists; OpenSSL resends it only after a fixed 1 s (docs/dtls.md, "Roles"). The
 * offerer (a Starling client) keeps whatever role the answer leaves it, which RFC 8842 §5.3 allows.
 */
export function offerForNodeAnswerer(sdp: string): string {
  return sdp.replace(/^a=setup:actpass(\r?)$/gm, 'a=setup:active$1');
}

type RtcPeerConnectionClass = { new (config?: RTCConfiguration): RTCPeerConnection };

let created = 0;

/**
 * Every peer connection made here and not yet closed (issue 9, finding 11): closeNodeWebRtc() closes what an
 * owner forgot before it stops libdatachannel, and `liveNodePeerConnections()` lets tests and shutdown see a
 * leak.
 */
const live = new Set<{ close(): void }>();
/** Closed here (by an owner or by closeNodeWebRtc) but not yet reported closed by libdatachannel. */
const closing = new Set<object>();

/** How many peer connections made by nodeRtcPeerConnectionClass() are neither closed nor failed-and-closed. */
export function liveNodePeerConnections(): number {
  return live.size;
}

function iceServerUrls(config: RTCConfiguration | undefined): string[] {
  const urls: string[] = [];
  for (const server of config?.iceServers ?? []) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      if (server.username !== undefined && typeof server.credential === 'string') {
        const [scheme, rest] = url.split(/:(.*)/s);
        urls.push(`${scheme}:${server.username}:${server.credential}@${rest ?? ''}`);
      } else urls.push(url);
    }
  }
  return urls;
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
      const native = new PeerConnection(`starling-${created}`, {
        iceServers: opts.iceServers ?? iceServerUrls(config),
        ...(opts.bindAddress === undefined ? {} : { bindAddress: opts.bindAddress }),
      });
      super({ ...config, iceServers: [], peerConnection: native });
      live.add(this);
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState !== 'closed') return;
        live.delete(this);
        closing.delete(this);
      });
    }

    override close(): void {
      if (live.delete(this)) closing.add(this);
      super.close();
    }

    override setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      if (description.type !== 'offer' || description.sdp === undefined)
        return super.setRemoteDescription(description);
      return super.setRemoteDescription({ ...description, sdp: offerForNodeAnswerer(description.sdp) });
    }
  }
  // The polyfill types `ondatachannel` with its own event class (runtime-compatible with the DOM one), so
  // TypeScript does not see it as a DOM RTCPeerConnection.
  return NodeRtcPeerConnection as unknown as RtcPeerConnectionClass;
}

/** How long closeNodeWebRtc() lets closed peer connections finish closing before it stops libdatachannel. */
export const RTC_SETTLE_MS = 2000;

/**
 * Stops node-datachannel for this process: closes every peer connection still open (the owners should have,
 * but a negotiation cut short at shutdown has not), waits up to `settleMs` (ms) with the event loop free for
 * libdatachannel to report them closed, then stops its threads (`cleanup()`). A process with an unclosed peer
 * connection does not exit by itself; call this at shutdown, after the components have closed what they own.
 * Peer connections cannot be created afterwards.
 *
 * Issue 9, finding 11: `cleanup()` called while libdatachannel is still tearing down a connection that had
 * failed mid-negotiation (say its answer was refused with "Got a remote candidate without ICE transport")
 * can wait for it for good: it gives up after 10 s ("cleanup timeout (possible deadlock)"), and the process
 * then hangs or crashes on exit. Closing first and letting the teardown run before `cleanup()` avoids that
 * (bench/lib/rtc-cleanup.ts, test/e2e/rtc-shutdown.test.ts). Rejects if `cleanup()` still fails.
 */
export async function closeNodeWebRtc(settleMs = RTC_SETTLE_MS): Promise<void> {
  for (const pc of [...live]) {
    try {
      pc.close();
    } catch {
      // already closed natively
    }
  }
  const deadline = Date.now() + settleMs;
  // The polyfill defers a data channel's close to setImmediate, and libdatachannel reports each close back
  // through the event loop: let both run.
  await new Promise((resolve) => setImmediate(resolve));
  while (closing.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 50));
  cleanup();
}
