/**
 * signaling-v1 §12 "Sources through the tunnel": what a trusted egress adds to each request it forwards for
 * a session (session-v1 §4.4), and the checks both ends apply to it. The egress names the session with a
 * random id it keeps for that session only, and proves it is an egress with the token the operator gave it
 * and the broker (`egress --broker-token FILE`, `broker --egress-token FILE`).
 */

/** The egress's token: the broker trusts the session header only beside the right one. */
export const EGRESS_TOKEN_HEADER = 'starling-egress-token';
/** The session's id: 22 characters of base64url (128 random bits), made by the egress for that session. */
export const SESSION_HEADER = 'starling-session';

const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;
const TOKEN = /^[\x21-\x7e]{32,512}$/;

/** Whether `id` has the form of a session id. */
export function isSessionId(id: unknown): id is string {
  return typeof id === 'string' && SESSION_ID.test(id);
}

/**
 * The token as a token file holds it (surrounding whitespace trimmed): 32 to 512 visible ASCII characters,
 * e.g. `openssl rand -base64 32` (RangeError otherwise).
 */
export function checkEgressToken(text: string): string {
  const token = text.trim();
  if (!TOKEN.test(token))
    throw new RangeError(
      `an egress token must be 32 to 512 visible ASCII characters without spaces (e.g. openssl rand -base64 32), not ${token.length} characters`,
    );
  return token;
}
