/**
 * The client's tunnel: one session with one egress, carried over up to `paths` volunteers found through the
 * broker (signaling-v1 §6), replaced in the background as they leave (session-v1 §5). It is the Dialer the
 * SOCKS5 and HTTP front ends use; with no path it fails clearly and never goes direct.
 *
 * The broker client and the peer connections come from outside (TunnelOptions), so the policy here
 * (backoff, refusals, volunteer exclusion, the wrong-key warning) is tested with fakes (test/client/tunnel.test.ts)
 * as well as end to end.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { joinSession, startSession } from '../session/client-handshake.js';
import { resolveSessionOptions } from '../session/options.js';
import type { Session } from '../session/session.js';
import type { PathTransport } from '../session/transport.js';
import { deadline } from '../shared/deadline.js';
import { HandshakeError, NoPathError, StreamError } from '../shared/errors.js';
import { hasTurnServer, type NetworkView } from '../shared/ice-source.js';
import {
  CLIENT_DEFAULTS,
  type ClientOptionsLimits,
  resolveLimits,
  type SessionOptions,
} from '../shared/limits.js';
import { CloseCode, PATH_LABEL } from '../shared/path.js';
import { printable } from '../shared/printable.js';
import { localSdp, waitIceComplete } from '../shared/webrtc.js';
import { SignalingError } from '../signaling/client.js';
import type { NatClass } from '../signaling/fields.js';
import { dataChannelPath } from './dc-path.js';
import type { Dialer } from './dialer.js';
import { openDirectPath } from './direct-path.js';
import { DIRECT_PATH_NAME, type DirectPathOptions, directTarget } from './direct-target.js';
import { offerForVolunteer } from './offer-sdp.js';
import { type ClientPairing, type OfferBroker, offerPairedFirst } from './paired-offer.js';
import { withoutHostCandidates } from './sdp-candidates.js';

/** What the tunnel asks of the broker (signaling-v1 §6): a BrokerClient, or a fake in tests. */
export type { OfferBroker } from './paired-offer.js';

export interface TunnelOptions extends Partial<ClientOptionsLimits> {
  /** The broker that matches each path with a volunteer, e.g. `new BrokerClient(url)`. */
  broker: OfferBroker;
  /** The egress's static public key, pinned (session-v1 §2). */
  egressKey: Uint8Array;
  /** Egress URL to ask the broker for; default: the broker's first. */
  egress?: string;
  nat?: NatClass;
  /**
   * signaling-v1 §8: use the volunteers paired with this tag first, the public pool when none waits (unless
   * `only`). @default none: the public pool
   */
  pairing?: ClientPairing;
  /** Makes each path's peer connection: a standard constructor (src/shared/webrtc-node.ts in Node). */
  RTCPeerConnection: { new (config?: RTCConfiguration): RTCPeerConnection };
  /** Configuration of every peer connection. @default { iceServers: [] }: no STUN unless asked */
  rtcConfig?: RTCConfiguration;
  session?: Partial<SessionOptions>;
  /** Log lines; they may quote strangers (volunteers, the broker), made safe for a terminal first. */
  log?: (line: string) => void;
  /**
   * Host candidates the offer may carry (src/client/sdp-candidates.ts): 'all', or besides loopback only
   * these addresses (the one ICE is bound to). @default [] (no LAN or global host address is sent)
   */
  hostCandidates?: 'all' | readonly string[];
  /** Source of the backoff's jitter, uniform in [0, 1). @default Math.random */
  random?: () => number;
  /**
   * The direct path (path-v1 §6): a WebSocket straight to the egress, optionally through a front, for when
   * WebRTC is blocked. @default none (mode never)
   */
  wsPath?: DirectPathOptions;
  /** Opens the direct path; tests replace it. @default openDirectPath (src/client/direct-path.ts) */
  openDirectPath?: typeof openDirectPath;
  /**
   * ICE servers and NAT class for each attempt (src/shared/ice-source.ts: the broker's servers, detection).
   * @default `rtcConfig.iceServers` and `nat` as given
   */
  network?: { current(signal?: AbortSignal): Promise<NetworkView> };
}

/**
 * A match whose data channel did not open (issue 10, "fail fast"): the next volunteer is tried at once, the
 * failed one excluded, through a TURN relay when there is one.
 */
export class ConnectFailed extends Error {
  override readonly name = 'ConnectFailed';
}

/** Failed matches tried again at once, in a row, before the backoff applies. */
const IMMEDIATE_RETRIES = 2;
/** Volunteers whose match failed are excluded for this long, ms. */
const FAILED_EXCLUDE_MS = 60_000;

/**
 * Handshakes keep failing for the key (issue 9, finding 1): either the pinned key is not the egress's, or
 * every volunteer tried is hostile; the client cannot tell which, so it says so and keeps trying.
 */
export interface KeyWarning {
  /** Different volunteers through which a handshake failed for the key since the last success. */
  volunteers: number;
  /** Since the first such failure, ms. */
  sinceMs: number;
  /** One line for a person: what happened and what it may mean. */
  message: string;
}

/** What a tunnel tells its owner, with the arguments of each event. */
export interface TunnelEvents {
  /** A new session with the egress (the first, or one after the egress lost the last). */
  session: [session: Session];
  /** A path is up: through `volunteer`, or the direct path (`volunteer` is DIRECT_PATH_NAME, path-v1 §6). */
  path: [pathId: number, volunteer: string];
  /** A path attempt failed; the next one starts in `retryInMs` (unless the tunnel stopped). */
  'path-failed': [error: Error, retryInMs: number];
  /**
   * No handshake succeeded through `keyWarningVolunteers` volunteers that failed it for the key; repeated
   * every `keyWarningIntervalMs` while that lasts. The tunnel keeps trying; a 'path' event ends it.
   */
  'key-warning': [warning: KeyWarning];
}

interface Waiter {
  resolve: (s: Session) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Tunnel extends EventEmitter<TunnelEvents> implements Dialer {
  private readonly opts: ClientOptionsLimits;
  private readonly sessionOptions: SessionOptions;
  private readonly broker: OfferBroker;
  private session: Session | undefined;
  private nextPathId = 0;
  private handshaking: Promise<unknown> | undefined;
  private connecting = 0;
  private readonly volunteers = new Map<number, string>();
  private readonly waiters = new Set<Waiter>();
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Volunteers through which the egress failed to prove the pinned key since the last success, and when. */
  private readonly wrongKey = new Set<string>();
  private wrongKeySince = 0;
  private lastKeyWarning = 0;
  private currentKeyWarning: KeyWarning | undefined;
  private readonly random: () => number;
  private lastFailure = '';
  private closed = false;
  /** Aborted by close(): path attempts still negotiating close their peer connections (issue 9, finding 11). */
  private readonly closing = new AbortController();
  private readonly log: (line: string) => void;
  /** path-v1 §6: the direct path's id while it is attached, whether one is being made, and its backoff. */
  private direct: { session: Session; pathId: number } | undefined;
  private directConnecting = false;
  private directRetryMs: number;
  private directTimer: NodeJS.Timeout | undefined;
  /** Since when no volunteer path has been up (the start, or the last one's close), for `fallback`. */
  private noVolunteerSince = Date.now();
  /** Volunteers whose match failed lately, and when (excluded from the next offers). */
  private readonly failedVolunteers = new Map<string, number>();
  /** The next attempt offers relay candidates only (a direct attempt failed, and there is TURN). */
  private relayNext = false;
  private connectFailures = 0;
  /** What the log last said of the network (NAT class, ICE servers), to say it again only when it changes. */
  private lastNetwork = '';

  constructor(private readonly config: TunnelOptions) {
    super();
    this.opts = resolveLimits<ClientOptionsLimits>('client', CLIENT_DEFAULTS, config);
    this.sessionOptions = resolveSessionOptions(config.session);
    this.broker = config.broker;
    this.retryMs = this.opts.retryMinMs;
    this.directRetryMs = this.opts.retryMinMs;
    // A bad URL or front is the caller's mistake: say so now, not on the first fallback.
    if (config.wsPath !== undefined && config.wsPath.mode !== 'never') directTarget(config.wsPath);
    const log = config.log ?? (() => {});
    this.log = (line) => log(printable(line, 1000));
    this.random = config.random ?? Math.random;
  }

  /** The warning in force: handshakes keep failing for the key (see 'key-warning'), or undefined. */
  get keyWarning(): KeyWarning | undefined {
    return this.currentKeyWarning;
  }

  get currentSession(): Session | undefined {
    return this.session;
  }

  /** Starts keeping `paths` volunteers connected. */
  start(): void {
    this.maintain();
  }

  async open(host: string, port: number, signal?: AbortSignal): Promise<Duplex> {
    const session = await this.ready(signal);
    return session.openStream(host, port);
  }

  close(): void {
    this.closed = true;
    this.closing.abort(new NoPathError('client is shutting down'));
    clearTimeout(this.retryTimer);
    clearTimeout(this.directTimer);
    this.session?.close();
    this.failWaiters(new NoPathError('client is shutting down'));
  }

  /** Resolves with a session that has a live path, waiting up to pathWaitMs for one. */
  private ready(signal?: AbortSignal): Promise<Session> {
    const s = this.session;
    if (s && !s.closed && s.pathCount > 0) return Promise.resolve(s);
    if (this.closed) return Promise.reject(new NoPathError(`client is stopped${this.why()}`));
    if (signal?.aborted) return Promise.reject(new StreamError('closed', 'aborted'));
    this.maintain();
    return new Promise((resolve, reject) => {
      const onAbort = () => settle(() => reject(new StreamError('closed', 'aborted')));
      const settle = (then: () => void) => {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        then();
      };
      const waiter: Waiter = {
        resolve: (session) => settle(() => resolve(session)),
        reject: (e) => settle(() => reject(e)),
        timer: setTimeout(
          () =>
            waiter.reject(
              new NoPathError(`no volunteer reachable within ${this.opts.pathWaitMs} ms${this.why()}`),
            ),
          this.opts.pathWaitMs,
        ),
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private why(): string {
    return this.lastFailure ? ` (last attempt: ${this.lastFailure})` : '';
  }

  private failWaiters(err: Error): void {
    for (const w of [...this.waiters]) w.reject(err);
  }

  /** Starts path attempts until `paths` volunteers are connected or connecting; then sees to the direct path. */
  private maintain(): void {
    if (this.closed) return;
    this.maintainDirect();
    if (this.retryTimer) return;
    const session = this.session && !this.session.closed ? this.session : undefined;
    const direct = session && this.direct?.session === session ? 1 : 0;
    const have = (session ? session.pathCount - direct : 0) + this.connecting;
    for (let i = have; i < this.opts.paths; i++) void this.addPath();
  }

  /**
   * HELLO on `transport` if there is no session (or it is gone), JOIN otherwise; resolves with its path id.
   * Attempts run in parallel: the first to get its transport makes the session, the others join it.
   */
  private async attach(transport: PathTransport): Promise<number> {
    if (!this.session || this.session.closed) await this.handshaking?.catch(() => {});
    const session = this.session && !this.session.closed ? this.session : undefined;
    // Path ids must grow in the order the egress sees them (session-v1 §5.1), so take one only now.
    const pathId = this.nextPathId++;
    if (session) {
      await joinSession(session, transport, pathId);
      this.releaseWaiters(session);
      return pathId;
    }
    const handshake = startSession(transport, this.config.egressKey, pathId, this.sessionOptions);
    this.handshaking = handshake;
    try {
      const started = await handshake;
      this.adopt(started.session, started.idleTimeoutMs);
    } finally {
      if (this.handshaking === handshake) this.handshaking = undefined;
    }
    return pathId;
  }

  private async addPath(): Promise<void> {
    this.connecting += 1;
    let attempt: Awaited<ReturnType<Tunnel['connectVolunteer']>> | undefined;
    try {
      attempt = await this.connectVolunteer();
      const { transport, volunteer } = attempt;
      if (this.closed) {
        transport.close();
        return;
      }
      const pathId = await this.attach(transport);
      this.volunteers.set(pathId, volunteer);
      this.wrongKey.clear();
      this.currentKeyWarning = undefined;
      this.retryMs = this.opts.retryMinMs;
      this.lastFailure = '';
      this.connectFailures = 0;
      this.relayNext = false;
      this.emit('path', pathId, volunteer);
      this.log(`path ${pathId} up through volunteer ${volunteer}`);
    } catch (e) {
      // A failed handshake or JOIN leaves an open data channel: free the volunteer's slot now.
      attempt?.transport.close();
      this.onPathFailure(e as Error, attempt?.volunteer);
    } finally {
      this.connecting -= 1;
      this.maintain();
    }
  }

  /**
   * path-v1 §6: opens the direct path when its mode wants one (`always`; `fallback` once no volunteer path
   * has been up for wsFallbackAfterMs) and drops it in `fallback` once a volunteer path is up: volunteers hide
   * the client's address from the egress and its front, the direct path does not.
   */
  private maintainDirect(): void {
    const ws = this.config.wsPath;
    if (ws === undefined || ws.mode === 'never' || this.closed) return;
    const session = this.session && !this.session.closed ? this.session : undefined;
    const attached = session !== undefined && this.direct?.session === session;
    const volunteers = this.volunteers.size;
    if (ws.mode === 'fallback' && volunteers > 0) {
      clearTimeout(this.directTimer);
      this.directTimer = undefined;
      if (attached && session && this.direct) {
        this.log(`path ${this.direct.pathId}: a volunteer is back, dropping the direct path`);
        session.dropPath(this.direct.pathId, CloseCode.normal, 'a volunteer path is back');
      }
      return;
    }
    if (attached || this.directConnecting || this.directTimer) return;
    const dueIn = ws.mode === 'always' ? 0 : this.noVolunteerSince + this.opts.wsFallbackAfterMs - Date.now();
    if (dueIn > 0) {
      this.directTimer = setTimeout(() => {
        this.directTimer = undefined;
        this.maintain();
      }, dueIn);
      this.directTimer.unref();
      return;
    }
    void this.addDirectPath(ws);
  }

  private async addDirectPath(ws: DirectPathOptions): Promise<void> {
    this.directConnecting = true;
    let transport: PathTransport | undefined;
    try {
      const limit = deadline(
        this.opts.wsConnectTimeoutMs,
        this.closing.signal,
        () => new Error(`direct path: not open within ${this.opts.wsConnectTimeoutMs} ms`),
      );
      const open = this.config.openDirectPath ?? openDirectPath;
      try {
        transport = await open(
          ws,
          this.opts.wsConnectTimeoutMs,
          limit.signal,
          this.sessionOptions.pathLowWater,
        );
      } finally {
        limit.clear();
      }
      if (this.closed) {
        transport.close();
        return;
      }
      const pathId = await this.attach(transport);
      const session = this.session;
      if (session === undefined) throw new Error('direct path: the session closed');
      this.direct = { session, pathId };
      this.directRetryMs = this.opts.retryMinMs;
      this.emit('path', pathId, DIRECT_PATH_NAME);
      this.log(`path ${pathId} up: the direct WebSocket path to the egress (it sees this client's address)`);
    } catch (e) {
      transport?.close();
      const wait = Math.round(this.random() * this.directRetryMs);
      this.directRetryMs = Math.min(this.directRetryMs * 2, this.opts.retryMaxMs);
      const error = e as Error;
      if (error instanceof HandshakeError) this.onHandshakeFailure(error, DIRECT_PATH_NAME);
      this.log(`direct path attempt failed: ${error.message}; retrying in ${wait} ms`);
      this.emit('path-failed', error, wait);
      clearTimeout(this.directTimer);
      this.directTimer = setTimeout(() => {
        this.directTimer = undefined;
        this.maintain();
      }, wait);
      this.directTimer.unref();
    } finally {
      this.directConnecting = false;
      this.maintain();
    }
  }

  private adopt(session: Session, idleTimeoutMs: number): void {
    this.session = session;
    let idle: NodeJS.Timeout | undefined;
    session.on('path-closed', (pathId, code, reason) => {
      if (this.direct?.session === session && pathId === this.direct.pathId) this.direct = undefined;
      else if (this.volunteers.delete(pathId) && this.volunteers.size === 0)
        this.noVolunteerSince = Date.now();
      this.log(`path ${pathId} closed (${code} ${reason})`);
      this.maintain();
    });
    session.on('internal-error', (e) =>
      this.log(`internal error (path dropped): ${e instanceof Error ? e.stack : String(e)}`),
    );
    session.on('path-leaving', (pathId) => {
      this.log(`path ${pathId}: volunteer is leaving`);
      this.maintain();
    });
    // The egress keeps a session without paths for idleTimeoutMs (session-v1 §5.2); so do we.
    session.on('no-paths', () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (session.pathCount === 0)
          session.close(new NoPathError('no volunteer for the whole idle timeout'));
      }, idleTimeoutMs);
      idle.unref();
    });
    session.on('path-added', () => clearTimeout(idle));
    // session-v1 §7: the old session keeps its streams until the egress closes it; new ones wait for a new one.
    session.on('goaway', (deadlineMs) => {
      this.log(
        `the egress is going away within ${deadlineMs} ms; open streams finish, new ones get a new session`,
      );
      if (this.session !== session) return;
      this.session = undefined;
      this.maintain();
    });
    session.on('closed', () => {
      clearTimeout(idle);
      if (this.session === session) this.session = undefined;
      if (this.direct?.session === session) this.direct = undefined;
      this.maintain();
    });
    this.emit('session', session);
    this.releaseWaiters(session);
  }

  private releaseWaiters(session: Session): void {
    for (const w of [...this.waiters]) w.resolve(session);
  }

  private onPathFailure(e: Error, volunteer: string | undefined): void {
    this.lastFailure = e.message;
    // Consecutive failures of any kind back off exponentially with full jitter (a population cut off at once
    // must not come back at once); the broker's hint, when longer, wins.
    const jittered = Math.round(this.random() * this.retryMs);
    let wait = Math.max(jittered, e instanceof SignalingError ? (e.retryAfterMs ?? 0) : 0);
    if (e instanceof ConnectFailed) {
      // Fail fast (issue 10): another volunteer at once, a couple of times, before backing off.
      this.connectFailures += 1;
      if (this.connectFailures <= IMMEDIATE_RETRIES) wait = 0;
    }
    this.retryMs = Math.min(this.retryMs * 2, this.opts.retryMaxMs);
    if (e instanceof HandshakeError) this.onHandshakeFailure(e, volunteer);
    this.log(`path attempt failed: ${e.message}; retrying in ${wait} ms`);
    this.emit('path-failed', e, wait);
    // Nobody can be served right now: tell waiting streams at once rather than after their timeout.
    if ((!this.session || this.session.pathCount === 0) && e instanceof SignalingError) {
      this.failWaiters(new NoPathError(`no volunteer available: ${e.message}`));
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.maintain();
    }, wait);
    this.retryTimer.unref();
  }

  /**
   * A REFUSE is unauthenticated (session-v1 §6), and a volunteer can answer a HELLO with anything: a wrong
   * key and a hostile volunteer look the same. So a failure for the key never stops the tunnel; through
   * `keyWarningVolunteers` different volunteers it raises the 'key-warning', again every
   * `keyWarningIntervalMs`, and fails waiting streams with it. "Unknown session" ends the session only when
   * it has no path left to prove otherwise.
   */
  private onHandshakeFailure(e: HandshakeError, volunteer: string | undefined): void {
    if (e.failure === 'wrong-key' && !this.session) {
      const now = Date.now();
      if (this.wrongKey.size === 0) this.wrongKeySince = now;
      this.wrongKey.add(volunteer ?? `unnamed-${this.wrongKey.size}`);
      const due =
        this.currentKeyWarning === undefined || now - this.lastKeyWarning >= this.opts.keyWarningIntervalMs;
      if (this.wrongKey.size >= this.opts.keyWarningVolunteers && due) {
        const sinceMs = now - this.wrongKeySince;
        const volunteers = this.wrongKey.size;
        const warning: KeyWarning = {
          volunteers,
          sinceMs,
          message:
            `no egress handshake succeeded through ${volunteers} volunteers in ${Math.round(sinceMs / 1000)} s: ` +
            'the egress key may be wrong (or those volunteers are hostile); still trying',
        };
        this.currentKeyWarning = warning;
        this.lastKeyWarning = now;
        this.failWaiters(new NoPathError(warning.message));
        this.emit('key-warning', warning);
      }
    }
    if (e.failure === 'unknown-session' && this.session && this.session.pathCount === 0)
      this.session.close(e);
  }

  private offerSdp(sdp: string): string {
    const keep = this.config.hostCandidates ?? [];
    return offerForVolunteer(keep === 'all' ? sdp : withoutHostCandidates(sdp, keep));
  }

  /** The ICE servers and NAT class for the next attempt. */
  private async network(signal: AbortSignal): Promise<NetworkView> {
    if (this.config.network !== undefined) return this.config.network.current(signal);
    const iceServers = this.config.rtcConfig?.iceServers ?? [];
    return { iceServers, hasTurn: hasTurnServer(iceServers), nat: this.config.nat ?? 'unknown' };
  }

  /** Volunteers to exclude: the ones in use, then those whose match failed lately (signaling-v1 §6). */
  private excluded(): string[] {
    const now = Date.now();
    for (const [id, at] of this.failedVolunteers) {
      if (now - at > FAILED_EXCLUDE_MS) this.failedVolunteers.delete(id);
    }
    return [...new Set([...this.volunteers.values(), ...this.failedVolunteers.keys()])].slice(0, 16);
  }

  /**
   * One match through the broker: offer, answer, data channel open (path-v1 §1). A direct offer that no
   * volunteer can reach (the broker says `no-match`) is made again at once with relay candidates only when
   * there is a TURN server (signaling-v1 §6 `relay`), as is every offer after a direct match failed.
   */
  private async connectVolunteer(): Promise<{
    transport: ReturnType<typeof dataChannelPath>;
    volunteer: string;
  }> {
    // Timers of our own, not AbortSignal.any over AbortSignal.timeout (src/shared/deadline.ts).
    const attempt = deadline(
      this.opts.pathConnectTimeoutMs,
      this.closing.signal,
      () => new Error(`no volunteer path within ${this.opts.pathConnectTimeoutMs} ms`),
    );
    try {
      const view = await this.network(attempt.signal);
      const seen = `NAT ${view.nat}, ${view.iceServers.length} ICE server entries${view.hasTurn ? ' with TURN' : ''}`;
      if (seen !== this.lastNetwork) {
        this.lastNetwork = seen;
        this.log(`network: ${seen}`);
      }
      let relay = this.relayNext && view.hasTurn;
      for (;;) {
        try {
          return await this.tryVolunteer(view, relay, attempt.signal);
        } catch (e) {
          const unreachable = e instanceof SignalingError && e.code === 'no-match' && !relay && view.hasTurn;
          if (!unreachable) throw e;
          this.log(`no volunteer reachable directly (${view.nat} NAT): trying through the TURN relay`);
          relay = true;
        }
      }
    } finally {
      attempt.clear();
    }
  }

  private async tryVolunteer(
    view: NetworkView,
    relay: boolean,
    signal: AbortSignal,
  ): Promise<{ transport: ReturnType<typeof dataChannelPath>; volunteer: string }> {
    const pc = new this.config.RTCPeerConnection({
      ...(this.config.rtcConfig ?? {}),
      iceServers: view.iceServers,
      ...(relay ? { iceTransportPolicy: 'relay' as const } : {}),
    });
    let answer: Awaited<ReturnType<OfferBroker['offer']>> | undefined;
    let opened: ReturnType<typeof deadline> | undefined;
    try {
      const dc = pc.createDataChannel(PATH_LABEL, { ordered: true });
      await pc.setLocalDescription(await pc.createOffer());
      await waitIceComplete(pc, this.opts.iceGatherTimeoutMs);
      answer = await offerPairedFirst(
        this.broker,
        {
          nat: view.nat,
          sdp: this.offerSdp(localSdp(pc)),
          ...(this.config.egress ? { egress: this.config.egress } : {}),
          exclude: this.excluded(),
          ...(relay ? { relay: true as const } : {}),
        },
        this.config.pairing,
        signal,
      );
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      const how = relay ? 'through the relay' : `directly (${view.nat} NAT)`;
      const open = deadline(
        this.opts.channelOpenTimeoutMs,
        signal,
        () => new ConnectFailed(`volunteer not reachable ${how} within ${this.opts.channelOpenTimeoutMs} ms`),
      );
      opened = open;
      await new Promise<void>((resolve, reject) => {
        if (dc.readyState === 'open') resolve();
        dc.onopen = () => resolve();
        dc.onclose = () =>
          reject(new ConnectFailed(`volunteer not reachable ${how}: its data channel closed`));
        pc.onconnectionstatechange = () => {
          if (pc.connectionState === 'failed')
            reject(new ConnectFailed(`volunteer not reachable ${how}: connection failed`));
        };
        open.signal.addEventListener('abort', () =>
          reject(
            this.closing.signal.aborted
              ? new NoPathError('client is shutting down')
              : open.signal.reason instanceof ConnectFailed
                ? open.signal.reason
                : new Error(`no volunteer path within ${this.opts.pathConnectTimeoutMs} ms`),
          ),
        );
      });
      this.report(answer.match, true);
      return {
        transport: dataChannelPath(dc, pc, this.sessionOptions.pathLowWater),
        volunteer: answer.volunteer,
      };
    } catch (e) {
      pc.close();
      if (e instanceof ConnectFailed && answer !== undefined) {
        this.report(answer.match, false);
        this.failedVolunteers.set(answer.volunteer, Date.now());
        // The next attempt goes through the relay, if there is one; the broker learns from the report.
        this.relayNext = view.hasTurn && !relay;
      }
      throw e;
    } finally {
      opened?.clear();
    }
  }

  /** signaling-v1 §11: tells the broker whether a match connected; best effort, never awaited. */
  private report(match: string | undefined, connected: boolean): void {
    if (match === undefined || this.broker.outcome === undefined) return;
    this.broker.outcome(match, connected).catch(() => undefined);
  }
}
