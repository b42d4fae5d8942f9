/**
 * Signaling v1 messages (docs/spec/signaling-v1.md): types, strict decoders and encoders for every body.
 * Decoders check `v` first, require required fields, clamp numbers, read unknown `nat` strings as
 * "unknown" and ignore unknown fields. They return a typed value or throw `SignalingError`.
 */
import { isSignalingErrorCode, SignalingError } from './errors.js';
import {
  type Fields,
  type NatClass,
  readEgress,
  readEgressList,
  readId,
  readIdList,
  readMs,
  readNat,
  readObject,
  readPairingTag,
  readSdp,
  readTrue,
  readVersioned,
  SIGNALING_LIMITS,
} from './fields.js';

export { SignalingError } from './errors.js';
export type { NatClass } from './fields.js';
export { parseEgressUrl, SIGNALING_LIMITS } from './fields.js';

/**
 * signaling-v1 §4: the volunteer's long-poll. `egress` is its normalized allow-list; `ticket` the one the
 * broker gave it last, absent on a first poll.
 */
export interface PollRequest {
  ticket?: string;
  nat: NatClass;
  egress: string[];
  /** signaling-v1 §8: the volunteer serves only clients with this pairing tag. */
  pairing?: string;
}

/** signaling-v1 §5. */
export interface AnswerRequest {
  offerId: string;
  sdp: string;
}

/** signaling-v1 §6. `egress` absent means the broker's default; `exclude` is empty when absent. */
export interface OfferRequest {
  nat: NatClass;
  sdp: string;
  egress?: string;
  exclude: string[];
  /** signaling-v1 §8: match only a volunteer paired with this tag. */
  pairing?: string;
  /** signaling-v1 §6: the offer carries relay candidates only (the client gathered with a TURN server). */
  relay?: true;
}

/** signaling-v1 §4: what a matched volunteer receives. */
export interface DeliveredOffer {
  id: string;
  sdp: string;
  egress: string;
  /** signaling-v1 §4: a relay-only offer; the volunteer answers with relay candidates only. */
  relay?: true;
}

/** signaling-v1 §3: one STUN or TURN server, as RTCIceServer takes it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** signaling-v1 §3. */
export interface InfoResponse {
  egress: string[];
  /** signaling-v1 §10: the broker's public key for sealed bodies (base64url), when it has one. */
  key?: string;
  /** signaling-v1 §3: STUN and TURN servers to use; TURN ones carry short-lived credentials. */
  iceServers?: IceServer[];
  /** How long the credentials in `iceServers` stay valid from now, ms; ask again before. */
  iceTtlMs?: number;
}

/** signaling-v1 §11: whether a match's data channel opened. `match` is the answer's `match`. */
export interface OutcomeRequest {
  match: string;
  connected: boolean;
}

/** signaling-v1 §4: `retryAfterMs` is 0 when an offer came; `ticket` is to be presented on the next poll. */
export interface PollResponse {
  ticket: string;
  offer: DeliveredOffer | null;
  retryAfterMs: number;
  /** signaling-v1 §8: true when the poll waited in its pairing tag's pool; absent otherwise. */
  paired?: true;
}

/** signaling-v1 §6: the matched volunteer's answer. */
export interface OfferAnswer {
  sdp: string;
  volunteer: string;
  /** signaling-v1 §6, §11: names this match in an outcome report. */
  match?: string;
  /** signaling-v1 §8: true when the volunteer came from the offer's pairing pool; absent otherwise. */
  paired?: true;
}

/** Parses a request or response body; malformed JSON is a 400 `bad-request`. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SignalingError('bad-request', 'body is not valid JSON');
  }
}

// ---- requests (read by the broker) ----

export function decodePollRequest(body: unknown): PollRequest {
  const f = readVersioned(body);
  const request: PollRequest = { nat: readNat(f, 'nat'), egress: readEgressList(f, 'egress') };
  if (f.ticket !== undefined) request.ticket = readId(f, 'ticket');
  const pairing = readPairingTag(f, 'pairing');
  if (pairing !== undefined) request.pairing = pairing;
  return request;
}

export function decodeAnswerRequest(body: unknown): AnswerRequest {
  const f = readVersioned(body);
  return { offerId: readId(f, 'offerId'), sdp: readSdp(f, 'sdp') };
}

export function decodeOfferRequest(body: unknown): OfferRequest {
  const f = readVersioned(body);
  const request: OfferRequest = {
    nat: readNat(f, 'nat'),
    sdp: readSdp(f, 'sdp'),
    exclude: readIdList(f, 'exclude', SIGNALING_LIMITS.maxExclude),
  };
  if (f.egress !== undefined) request.egress = readEgress(f, 'egress');
  const pairing = readPairingTag(f, 'pairing');
  if (pairing !== undefined) request.pairing = pairing;
  if (readTrue(f, 'relay')) request.relay = true;
  return request;
}

/** signaling-v1 §11. */
export function decodeOutcomeRequest(body: unknown): OutcomeRequest {
  const f = readVersioned(body);
  if (typeof f.connected !== 'boolean')
    throw new SignalingError('bad-request', '"connected" must be a boolean');
  return { match: readId(f, 'match'), connected: f.connected };
}

export function encodeOutcomeRequest(r: OutcomeRequest): object {
  return { v: 1, match: r.match, connected: r.connected };
}

export function encodePollRequest(r: PollRequest): object {
  const body: Fields = { v: 1, nat: r.nat, egress: r.egress };
  if (r.ticket !== undefined) body.ticket = r.ticket;
  if (r.pairing !== undefined) body.pairing = r.pairing;
  return body;
}

export function encodeAnswerRequest(r: AnswerRequest): object {
  return { v: 1, offerId: r.offerId, sdp: r.sdp };
}

export function encodeOfferRequest(r: OfferRequest): object {
  const body: Fields = { v: 1, nat: r.nat, sdp: r.sdp };
  if (r.egress !== undefined) body.egress = r.egress;
  if (r.exclude.length > 0) body.exclude = r.exclude;
  if (r.pairing !== undefined) body.pairing = r.pairing;
  if (r.relay === true) body.relay = true;
  return body;
}

// ---- responses (read by clients and volunteers) ----

export function encodeInfoResponse(r: InfoResponse): object {
  const ice = r.iceServers === undefined ? {} : { iceServers: r.iceServers, iceTtlMs: r.iceTtlMs ?? 0 };
  return { v: 1, egress: r.egress, ...(r.key === undefined ? {} : { key: r.key }), ...ice };
}

export function encodePollResponse(r: PollResponse): object {
  const paired = r.paired === true ? { paired: true } : {};
  return r.offer === null
    ? { v: 1, ticket: r.ticket, offer: null, retryAfterMs: r.retryAfterMs, ...paired }
    : { v: 1, ticket: r.ticket, offer: r.offer, ...paired };
}

export function encodeOfferResponse(r: OfferAnswer): object {
  const match = r.match === undefined ? {} : { match: r.match };
  return {
    v: 1,
    answer: { sdp: r.sdp, volunteer: r.volunteer, ...match, ...pairedField(r.paired === true) },
  };
}

/** signaling-v1 §8: `paired` is sent and kept only when true. */
function pairedField(paired: boolean): { paired?: true } {
  return paired ? { paired: true } : {};
}

export function decodeInfoResponse(body: unknown): InfoResponse {
  const f = readVersioned(body);
  const info: InfoResponse = { egress: readEgressList(f, 'egress') };
  if (f.key !== undefined) {
    if (typeof f.key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(f.key))
      throw new SignalingError('bad-request', '"key" must be 43 characters of base64url');
    info.key = f.key;
  }
  if (f.iceServers !== undefined) {
    info.iceServers = readIceServers(f, 'iceServers');
    info.iceTtlMs = f.iceTtlMs === undefined ? 0 : readMs(f, 'iceTtlMs');
  }
  return info;
}

const ICE_URL_RE = /^(stun|stuns|turn|turns):[^\s]{1,500}$/;

/** signaling-v1 §3: `iceServers`, at most `maxIceServers` servers of at most as many URLs each. */
function readIceServers(fields: Fields, name: string): IceServer[] {
  const value = fields[name];
  const max = SIGNALING_LIMITS.maxIceServers;
  if (!Array.isArray(value) || value.length > max)
    throw new SignalingError('bad-response', `"${name}" must be a list of at most ${max} servers`);
  return value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null)
      throw new SignalingError('bad-response', `"${name}" entries must be objects`);
    const { urls, username, credential } = item as Fields;
    if (!Array.isArray(urls) || urls.length < 1 || urls.length > max)
      throw new SignalingError('bad-response', `"${name}" urls must be a list of 1 to ${max}`);
    for (const url of urls) {
      if (typeof url !== 'string' || !ICE_URL_RE.test(url))
        throw new SignalingError('bad-response', `"${name}" urls must be stun: or turn: URLs`);
    }
    const server: IceServer = { urls: urls as string[] };
    if (username !== undefined || credential !== undefined) {
      if (
        typeof username !== 'string' ||
        typeof credential !== 'string' ||
        username.length > 256 ||
        credential.length > 256
      )
        throw new SignalingError(
          'bad-response',
          `"${name}" credentials must be strings of at most 256 characters`,
        );
      server.username = username;
      server.credential = credential;
    }
    return server;
  });
}

export function decodePollResponse(body: unknown): PollResponse {
  const f = readVersioned(body);
  const ticket = readId(f, 'ticket');
  const paired = pairedField(readTrue(f, 'paired'));
  if (f.offer === null) return { ticket, offer: null, retryAfterMs: readMs(f, 'retryAfterMs'), ...paired };
  const o = readObject(f, 'offer');
  return {
    ticket,
    offer: {
      id: readId(o, 'id'),
      sdp: readSdp(o, 'sdp'),
      egress: readEgress(o, 'egress'),
      ...(readTrue(o, 'relay') ? { relay: true as const } : {}),
    },
    retryAfterMs: 0,
    ...paired,
  };
}

/** signaling-v1 §5: `{"v":1}`. */
export function decodeOkResponse(body: unknown): void {
  readVersioned(body);
}

export function decodeOfferResponse(body: unknown): OfferAnswer {
  const a = readObject(readVersioned(body), 'answer');
  const match = a.match === undefined ? {} : { match: readId(a, 'match') };
  return {
    sdp: readSdp(a, 'sdp'),
    volunteer: readId(a, 'volunteer'),
    ...match,
    ...pairedField(readTrue(a, 'paired')),
  };
}

/**
 * signaling-v1 §1: rebuilds the broker's error from an error body and status. Returns undefined when the
 * body is not a v1 error body; an unknown code becomes `bad-response` (keeping the status and message).
 */
export function decodeErrorBody(body: unknown, status: number): SignalingError | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const f = body as Fields;
  if (f.v !== 1 || typeof f.error !== 'string' || typeof f.code !== 'string') return undefined;
  const retryAfterMs = typeof f.retryAfterMs === 'number' ? readMs(f, 'retryAfterMs') : undefined;
  const code = isSignalingErrorCode(f.code) ? f.code : 'bad-response';
  return new SignalingError(code, f.error.slice(0, 500), { status, retryAfterMs });
}
