import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';

/**
 * Copies bytes both ways between two streams (an app's or a destination's TCP connection and a tunnel
 * stream), with backpressure. The end of one side's data ends the other side's writable half (half-close); an
 * error or a premature close on either side aborts both.
 */
export function splice(a: Duplex, b: Duplex): void {
  // Registered before pipeline's own handlers, which would otherwise destroy the other side first, gently.
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.once('error', () => abort(to));
    from.once('close', () => {
      if (!(from.readableEnded && from.writableFinished)) abort(to);
    });
  }
  const onDone = (err: Error | null | undefined) => {
    if (!err) return;
    abort(a);
    abort(b);
  };
  pipeline(a, b, onDone);
  pipeline(b, a, onDone);
}

/**
 * Destroys one side. A TCP socket is reset (RST), so the program at its other end sees the failure instead of
 * a clean end of data that would make a truncated transfer look complete; a tunnel stream sends RESET.
 */
function abort(s: Duplex): void {
  if (s.destroyed) return;
  if (s instanceof Socket) s.resetAndDestroy();
  else s.destroy();
}
