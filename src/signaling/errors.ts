/**
 * Signaling errors with stable codes (signaling-v1 §1). The broker sends `code` and `status` on the wire;
 * a client rebuilds the same error from the answer. Web-standard only: this runs in browsers too.
 */

/** Wire codes and their HTTP status (signaling-v1 §1), then the two codes a client makes up locally. */
export const SIGNALING_STATUS = {
  'bad-request': 400,
  'unknown-egress': 400,
  /** signaling-v1 §10: this broker takes sealed bodies only. */
  'sealed-required': 400,
  /** signaling-v1 §10: a sealed body of the wrong size or suite, that does not open, or is malformed inside. */
  'bad-seal': 400,
  /** signaling-v1 §10: sealed to another key than the broker's. */
  'wrong-key': 400,
  /** signaling-v1 §10: the sealed request's time is outside the broker's window (the answer says its time). */
  stale: 400,
  /** signaling-v1 §10: this sealed request was seen before. */
  replayed: 400,
  'not-found': 404,
  'unknown-offer': 404,
  'bad-method': 405,
  'too-large': 413,
  'too-long': 414,
  'bad-type': 415,
  'rate-limited': 429,
  internal: 500,
  'no-match': 503,
  overloaded: 503,
  unavailable: 503,
  timeout: 504,
  /** Client only: fetch failed or the broker did not answer within the client's own timeout. */
  unreachable: 0,
  /** Client only: the broker answered something this version cannot read. */
  'bad-response': 0,
} as const;
export type SignalingErrorCode = keyof typeof SIGNALING_STATUS;

export function isSignalingErrorCode(value: unknown): value is SignalingErrorCode {
  return typeof value === 'string' && Object.hasOwn(SIGNALING_STATUS, value);
}

export interface SignalingErrorOptions {
  /** HTTP status; defaults to the code's status from the table. */
  status?: number;
  /** Retry hint, ms (signaling-v1 §1: every no-match, 429 and 503 carries one). */
  retryAfterMs?: number;
  cause?: unknown;
}

/** A broker request failed; `code` is stable, `status` is the HTTP status (0 when there was no answer). */
export class SignalingError extends Error {
  override readonly name = 'SignalingError';
  readonly code: SignalingErrorCode;
  readonly status: number;
  readonly retryAfterMs: number | undefined;

  constructor(code: SignalingErrorCode, message?: string, options: SignalingErrorOptions = {}) {
    super(message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? SIGNALING_STATUS[code];
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** signaling-v1 §1: the error body. `retryAfterMs` is present exactly when the error carries a hint. */
export interface ErrorBody {
  v: 1;
  error: string;
  code: string;
  retryAfterMs?: number;
}

export function errorBody(err: SignalingError): ErrorBody {
  const body: ErrorBody = { v: 1, error: err.message, code: err.code };
  if (err.retryAfterMs !== undefined) body.retryAfterMs = err.retryAfterMs;
  return body;
}
