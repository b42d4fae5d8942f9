/** Waiting between broker attempts: bounded exponential backoff with jitter, and an abortable sleep. */

/**
 * Wait after `failures` consecutive failures (>= 1), ms: `minMs` doubling per failure up to `maxMs`, with
 * ±20 % jitter so that many volunteers do not return to a recovering broker at the same instant, and never
 * less than the broker's own hint.
 */
export function backoffMs(failures: number, minMs: number, maxMs: number, hintMs?: number): number {
  const exponential = Math.min(maxMs, minMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  const jittered = Math.round(exponential * (0.8 + 0.4 * Math.random()));
  return Math.max(hintMs ?? 0, Math.min(maxMs, jittered));
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
