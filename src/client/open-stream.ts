import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { NoPathError, StreamError } from '../shared/errors.js';
import { printable } from '../shared/printable.js';
import type { Dialer } from './dialer.js';

/** Why a front end could not open a stream: a StreamError to map, or NoPathError (no tunnel at all). */
export type OpenFailure = StreamError | NoPathError;

/** Turns anything a dialer threw into an OpenFailure; unknown errors become StreamError 'general'. */
export function toOpenFailure(err: unknown): OpenFailure {
  if (err instanceof StreamError || err instanceof NoPathError) return err;
  return new StreamError('general', err instanceof Error ? err.message : String(err));
}

/**
 * Opens a stream through `dialer`, giving up with StreamError 'timeout' after `timeoutMs` and with
 * StreamError 'closed' when `app` (the app's socket or response) emits 'close' first. A stream that the
 * dialer delivers after we gave up is destroyed, never leaked.
 */
export function openStream(
  dialer: Dialer,
  host: string,
  port: number,
  timeoutMs: number,
  app: EventEmitter,
): Promise<Duplex> {
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new StreamError('timeout', `no stream to ${host}:${port} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onAppClose = () => abort.abort(new StreamError('closed', 'the app closed its connection'));
  app.once('close', onAppClose);
  const { signal } = abort;
  return new Promise<Duplex>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const opening = new Promise<Duplex>((res) => res(dialer.open(host, port, signal)));
    opening.then(
      (stream) => {
        if (signal.aborted) stream.destroy();
        else resolve(stream);
      },
      (err: unknown) => reject(toOpenFailure(err)),
    );
  }).finally(() => {
    clearTimeout(timer);
    app.off('close', onAppClose);
  });
}

/** Logs "no volunteer reachable" once per outage: again only after a stream opened in between. */
export class NoPathNotice {
  #logged = false;
  constructor(private readonly log: (message: string) => void) {}

  failed(err: OpenFailure): void {
    if (!(err instanceof NoPathError) || this.#logged) return;
    this.#logged = true;
    // The reason may quote strangers (a broker's error, a volunteer's REFUSE): no control bytes to the terminal.
    this.log(
      `starling: no volunteer is reachable, so connections are refused (never sent directly): ${printable(err.message, 1000)}`,
    );
  }

  opened(): void {
    this.#logged = false;
  }
}
