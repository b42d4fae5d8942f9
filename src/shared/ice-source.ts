/**
 * What a client or volunteer knows of its network (issue 10): the ICE servers to use and its NAT class.
 * The servers come from the broker's `GET /v1/info` (signaling-v1 §3), asked again at half their credentials'
 * lifetime, unless the user named their own (flags win); the NAT class is detected with them
 * (src/shared/nat-class.ts) and checked again every `natRecheckMs`, unless the user named it. Web-standard
 * only: the Node client, the Node volunteer and the widget use it alike, each with its own detector.
 */
import type { NatClass } from '../signaling/fields.js';
import type { InfoResponse } from '../signaling/messages.js';

export interface NetworkView {
  readonly iceServers: RTCIceServer[];
  /** A TURN server is among them, so relay-only attempts (signaling-v1 §6 `relay`) can connect. */
  readonly hasTurn: boolean;
  readonly nat: NatClass;
}

export interface IceSourceOptions {
  /** The broker's info (BrokerClient.info). */
  info: (signal?: AbortSignal) => Promise<InfoResponse>;
  /** ICE servers named by the user: used instead of the broker's. */
  override?: readonly RTCIceServer[];
  /** The NAT class named by the user: no detection. */
  nat?: NatClass;
  /** Detects the NAT class with these servers; never rejects. @default none: `unknown` */
  detect?: (servers: readonly RTCIceServer[]) => Promise<NatClass>;
  /** How often the NAT class is detected again, ms. */
  natRecheckMs: number;
  /** When the broker's info could not be read, ask again after, ms. @default 5000 */
  infoRetryMs?: number;
  now?: () => number;
}

/** Whether `servers` include a TURN server with credentials (or a `turn:` URL named by the user). */
export function hasTurnServer(servers: readonly RTCIceServer[]): boolean {
  return servers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/.test(u)));
}

export class IceSource {
  readonly #opts: IceSourceOptions;
  readonly #now: () => number;
  #servers: { list: RTCIceServer[]; until: number } | undefined;
  #nat: { value: NatClass; until: number; servers: RTCIceServer[] } | undefined;
  #pending: Promise<NetworkView> | undefined;

  constructor(opts: IceSourceOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** The view now; at most one broker request and one detection run at a time. */
  current(signal?: AbortSignal): Promise<NetworkView> {
    this.#pending ??= this.#refresh(signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** The last NAT class known, without waiting (`unknown` before the first detection). */
  get lastNat(): NatClass {
    return this.#opts.nat ?? this.#nat?.value ?? 'unknown';
  }

  async #refresh(signal?: AbortSignal): Promise<NetworkView> {
    const servers = await this.#iceServers(signal);
    const nat = await this.#natClass(servers);
    return { iceServers: servers, hasTurn: hasTurnServer(servers), nat };
  }

  async #iceServers(signal?: AbortSignal): Promise<RTCIceServer[]> {
    if (this.#opts.override !== undefined) return [...this.#opts.override];
    const now = this.#now();
    if (this.#servers !== undefined && this.#servers.until > now) return this.#servers.list;
    try {
      const info = await this.#opts.info(signal);
      const list = (info.iceServers ?? []).map((s) => ({ ...s }));
      // Credentials are asked for again at half their lifetime, so none in use is about to expire.
      const ttl = info.iceTtlMs ?? 0;
      this.#servers = { list, until: now + (ttl > 0 ? Math.max(1000, ttl / 2) : this.#opts.natRecheckMs) };
      return list;
    } catch {
      const list = this.#servers?.list ?? [];
      this.#servers = { list, until: now + (this.#opts.infoRetryMs ?? 5000) };
      return list;
    }
  }

  async #natClass(servers: RTCIceServer[]): Promise<NatClass> {
    if (this.#opts.nat !== undefined) return this.#opts.nat;
    const detect = this.#opts.detect;
    if (detect === undefined) return 'unknown';
    const now = this.#now();
    const stunOf = (list: RTCIceServer[]): string =>
      JSON.stringify(list.filter((s) => s.username === undefined).map((s) => s.urls));
    if (this.#nat !== undefined && this.#nat.until > now && stunOf(this.#nat.servers) === stunOf(servers))
      return this.#nat.value;
    const value = await detect(servers);
    this.#nat = { value, until: now + this.#opts.natRecheckMs, servers };
    return value;
  }
}
