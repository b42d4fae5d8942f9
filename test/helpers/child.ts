/**
 * Child processes of tests and benchmarks that are always stopped: their exit is watched from the moment
 * they are spawned (so a child that already died is never waited for), and any still running when this
 * process exits, or is ended by SIGTERM or SIGINT (the test runner's timeout sends SIGTERM), is SIGKILLed.
 */
import type { ChildProcess } from 'node:child_process';

export interface WatchedChild {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null if a signal ended it) once the child has exited. */
  readonly exited: Promise<number | null>;
  /** Whether the child has exited. */
  readonly gone: boolean;
  /**
   * Sends `signal` (none when null: the caller has asked the child to leave some other way, e.g. by ending
   * its stdin), SIGKILLs it if it is still there after `graceMs`, and resolves once it has exited. Resolves
   * at once if it already has.
   */
  stop(signal?: NodeJS.Signals | null, graceMs?: number): Promise<void>;
}

const STOP_GRACE_MS = 5000;

/** Children still running; one set of listeners for all of them, so that many raise no listener warning. */
const running = new Set<ChildProcess>();
const killAll = (): void => {
  for (const child of running) child.kill('SIGKILL');
};
/** Kills the children, then lets the signal end this process as it would have without this listener. */
const onSignal = (signal: NodeJS.Signals): void => {
  killAll();
  listen(false);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
};
function listen(on: boolean): void {
  const method = on ? 'on' : 'off';
  process[method]('exit', killAll);
  process[method]('SIGTERM', onSignal);
  process[method]('SIGINT', onSignal);
}

/** Watches `child`; call it right after spawning it. */
export function watchChild(child: ChildProcess): WatchedChild {
  let gone = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      gone = true;
      running.delete(child);
      if (running.size === 0) listen(false);
      resolve(code);
    });
  });
  if (running.size === 0) listen(true);
  running.add(child);
  return {
    child,
    exited,
    get gone() {
      return gone;
    },
    async stop(signal: NodeJS.Signals | null = 'SIGTERM', graceMs = STOP_GRACE_MS) {
      if (gone) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      if (signal !== null) child.kill(signal);
      await exited;
      clearTimeout(timer);
    },
  };
}
