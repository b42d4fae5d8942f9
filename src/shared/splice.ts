import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';

/**
 * Copies bytes both ways between the app's connection and a tunnel stream, with backpressure.
 * The end of one side's data ends the other side's writable half (half-close); an error or a premature
 * close on either side destroys both.
 */
export function splice(app: Duplex, tunnel: Duplex): void {
  const onDone = (err: Error | null | undefined) => {
    if (!err) return;
    app.destroy();
    tunnel.destroy();
  };
  pipeline(app, tunnel, onDone);
  pipeline(tunnel, app, onDone);
}
