/**
 * An AbortSignal that aborts `ms` after it is made, or when `parent` does, kept alive by a real timer.
 *
 * Not `AbortSignal.any([AbortSignal.timeout(ms), parent])`: in Node 20 the combined signal is held only weakly
 * by its sources, so one that nothing else holds (its listener alone, say, inside a promise that a peer
 * connection's callbacks keep) can be collected before it fires, and the wait it bounds never ends. A client
 * path attempt whose data channel never opened hung that way for good, holding its slot (seen with
 * test/e2e/ws-path.test.ts; `node --expose-gc` on a ten-line script shows it). `clear()` stops the timer.
 */
export function deadline(
  ms: number,
  parent: AbortSignal | undefined,
  reason: () => Error,
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => {
    parent?.removeEventListener('abort', onParent);
    controller.abort(reason());
  }, ms);
  timer.unref();
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
