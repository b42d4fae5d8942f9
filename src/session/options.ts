/** The session's options (SESSION_DEFAULTS), merged and checked once, when a session or an egress is built. */
import { resolveLimits, SESSION_DEFAULTS, type SessionOptions } from '../shared/limits.js';
import { MIN_STREAM_WINDOW, usableWindows } from './wire.js';

/** HELLO carries the windows as u32 (session-v1 §2). */
const U32_MAX = 0xffff_ffff;

/** Merges `options` over SESSION_DEFAULTS; throws a RangeError naming a bad option. */
export function resolveSessionOptions(options: Partial<SessionOptions> = {}): SessionOptions {
  // 0 ms of ACK delay means "with the next flush"; a low-water mark of 0, "once the queue is empty".
  const o = resolveLimits<SessionOptions>('session', SESSION_DEFAULTS, options, [
    'ackDelayMs',
    'pathLowWater',
  ]);
  if (!usableWindows(o) || o.sessionWindow > U32_MAX) {
    throw new RangeError(
      `session options streamWindow and sessionWindow must be from ${MIN_STREAM_WINDOW} to ${U32_MAX} bytes, ` +
        `the session window no smaller (session-v1 §2), not ${o.streamWindow} and ${o.sessionWindow}`,
    );
  }
  return o;
}
