/**
 * One client's path on the volunteer, from the broker's offer to the end (path-v1 §1–4): the peer
 * connection, its one data channel, and the splice to the egress.
 */
import { CloseCode, PATH_LABEL } from '../shared/path.js';
import { TokenBucket } from '../shared/token-bucket.js';
import { holdCandidates, localSdp, offerForPassiveAnswer, waitIceComplete } from '../shared/webrtc.js';
import type { NatClass } from '../signaling/fields.js';
import type { RelayEnv } from './env.js';
import type { ResolvedVolunteerOptions } from './options.js';
import { Splice } from './splice.js';

export interface ClientPathHooks {
  /** The data channel and the WebSocket are open: a client is being served. */
  onOpen(): void;
  onBytes(bytes: number): void;
  /** The path is over and its peer connection closed (called once). */
  onEnd(reason: string): void;
}

/** What the volunteer knows, as it answers, of how its path will connect. */
export interface AnswerHints {
  /** This volunteer's NAT class, as it reported it to the broker (signaling-v1 §1). */
  nat: NatClass;
  /** The offer is relay-only (signaling-v1 §4 `relay`). */
  relay: boolean;
}

/**
 * path-v1 §1.2: whether the volunteer's own checks, not the client's, will connect the path, so that its ICE
 * agent calls the pair connected before the client's does. Behind a NAT the client's checks are dropped until
 * the held candidates go in; on a relay-only path the TURN server drops them until the volunteer's agent has
 * asked for a permission. A public volunteer is connected by the client's checks, after the client.
 */
export function volunteerConnectsFirst({ nat, relay }: AnswerHints): boolean {
  return relay || nat === 'cone' || nat === 'symmetric';
}

export class ClientPath {
  readonly #pc: RTCPeerConnection;
  readonly #egressUrl: string;
  readonly #env: RelayEnv;
  readonly #options: ResolvedVolunteerOptions;
  readonly #limiters: readonly TokenBucket[];
  readonly #hooks: ClientPathHooks;
  #splice: Splice | null = null;
  #openTimer: ReturnType<typeof setTimeout> | null = null;
  #holdTimer: ReturnType<typeof setTimeout> | null = null;
  /** The offer's candidates, not yet given to the peer connection (path-v1 §1.2). */
  #held: RTCIceCandidateInit[] = [];
  #lifeTimer: ReturnType<typeof setTimeout> | null = null;
  #opened = false;
  #ended = false;

  /** Throws if the environment cannot make a peer connection (WebRTC unavailable). */
  constructor(
    egressUrl: string,
    env: RelayEnv,
    options: ResolvedVolunteerOptions,
    limiter: TokenBucket | null,
    hooks: ClientPathHooks,
  ) {
    this.#egressUrl = egressUrl;
    this.#env = env;
    this.#options = options;
    // path-v1 §2: the shared cap, and this person's own (both directions of this path).
    const { maxBytesPerSecPerClient: own, rateBurstBytes } = options;
    this.#limiters = [
      ...(limiter === null ? [] : [limiter]),
      ...(own > 0 ? [new TokenBucket(own, rateBurstBytes)] : []),
    ];
    this.#hooks = hooks;
    this.#pc = new env.RTCPeerConnection(env.rtcConfig);
    this.#pc.addEventListener('datachannel', (event) => this.#onChannel(event.channel));
    this.#pc.addEventListener('connectionstatechange', () => {
      const state = this.#pc.connectionState;
      if (state === 'failed' || state === 'closed') this.close(`peer connection ${state}`);
    });
  }

  /**
   * Answers the client's complete offer; resolves with the complete answer SDP (no trickle). The offer's
   * candidates are held back (path-v1 §1.2), so no check of ours reaches the client before it has the answer.
   * The DTLS client is the end whose ICE connects last (path-v1 §1.2): a host that may choose
   * (`RelayEnv.picksDtlsRole`) answers `passive` when `hints` say the volunteer connects first, else `active`.
   */
  async answer(offerSdp: string, hints?: AnswerHints): Promise<string> {
    const passive = this.#env.picksDtlsRole === true && hints !== undefined && volunteerConnectsFirst(hints);
    const { sdp, candidates } = holdCandidates(passive ? offerForPassiveAnswer(offerSdp) : offerSdp);
    this.#held = candidates;
    await this.#pc.setRemoteDescription({ type: 'offer', sdp });
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    await waitIceComplete(this.#pc, this.#options.iceGatherTimeoutMs);
    return localSdp(this.#pc);
  }

  /** The answer was delivered: the data channel and the WebSocket must now open within `channelOpenTimeoutMs`. */
  answered(): void {
    if (this.#ended || this.#opened) return;
    this.#holdTimer = setTimeout(() => this.#releaseCandidates(), this.#options.checkHoldMs);
    this.#openTimer = setTimeout(
      () => this.close('the data channel did not open in time'),
      this.#options.channelOpenTimeoutMs,
    );
  }

  /**
   * path-v1 §1.2: the client's checks have not connected us by now; perhaps a NAT in front of us drops them
   * until we send to the client first, so the offer's candidates go in and our own checks start.
   */
  #releaseCandidates(): void {
    this.#holdTimer = null;
    const held = this.#held;
    this.#held = [];
    const ice = this.#pc.iceConnectionState;
    if (this.#ended || ice === 'connected' || ice === 'completed') return;
    for (const candidate of held) {
      // A candidate this engine cannot use is one path fewer to try, not an error of the path.
      this.#pc.addIceCandidate(candidate).catch(() => {});
    }
  }

  /** path-v1 §3: GOODBYE, grace, close. A path not yet spliced is closed at once. */
  async goodbye(): Promise<void> {
    if (this.#splice === null) {
      this.close('volunteer going away');
      return;
    }
    await this.#splice.goodbye(this.#options.goodbyeGraceMs);
  }

  /** Closes everything at once, without GOODBYE. Idempotent. */
  close(reason: string): void {
    if (this.#splice !== null && !this.#splice.ended) {
      this.#splice.end(CloseCode.normal, reason); // comes back through #end
      return;
    }
    this.#end(reason);
  }

  #onChannel(channel: RTCDataChannel): void {
    // path-v1 §1: exactly one data channel, labelled starling/1.
    if (this.#ended || this.#splice !== null || channel.label !== PATH_LABEL) {
      channel.close();
      if (this.#splice === null) this.close(`unexpected data channel "${channel.label}"`);
      return;
    }
    this.#splice = new Splice(channel, {
      egressUrl: this.#egressUrl,
      WebSocket: this.#env.WebSocket,
      limiters: this.#limiters,
      maxQueuedBytes: this.#options.maxQueuedBytes,
      maxBufferedBytes: this.#options.maxBufferedBytes,
      egressConnectTimeoutMs: this.#options.egressConnectTimeoutMs,
      onOpen: () => {
        this.#opened = true;
        if (this.#openTimer !== null) clearTimeout(this.#openTimer);
        this.#openTimer = null;
        this.#startLifetime();
        this.#hooks.onOpen();
      },
      onBytes: (bytes) => this.#hooks.onBytes(bytes),
      onEnd: (reason) => this.#end(reason),
    });
  }

  /**
   * path-v1 §2: a path ends, GOODBYE first, after its own lifetime, between 3/4 of maxPathLifetimeMs and all of
   * it, so that no client keeps this slot for good and a client's paths do not all end at once.
   */
  #startLifetime(): void {
    const max = this.#options.maxPathLifetimeMs;
    if (max <= 0) return;
    const lifetime = max * (0.75 + 0.25 * Math.random());
    this.#lifeTimer = setTimeout(() => void this.goodbye(), lifetime);
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#lifeTimer !== null) clearTimeout(this.#lifeTimer);
    if (this.#openTimer !== null) clearTimeout(this.#openTimer);
    if (this.#holdTimer !== null) clearTimeout(this.#holdTimer);
    this.#pc.close(); // the path ends with its peer connection (path-v1 §4)
    this.#hooks.onEnd(reason);
  }
}
