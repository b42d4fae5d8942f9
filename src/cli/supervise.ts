/**
 * `starling client` under a watchdog, as systemd's WatchdogSec= with Restart=on-abnormal: the client runs in
 * a child process whose event loop sends a heartbeat over IPC; no heartbeat for `hangAfterMs` and the child
 * is SIGKILLed and started again on the same ports. The reason is libdatachannel's deadlock (docs/lab.md, "A
 * deadlock in libdatachannel"): it stops every peer connection of the process and then the JS thread itself,
 * for good, and nothing inside the process can notice. An exit of the child's own (a usage error, a fatal
 * error, a clean stop) is the supervisor's exit, never restarted; a child killed by a signal that was not
 * ours is restarted too. SIGINT and SIGTERM are passed on, and the supervisor exits with the child.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SUPERVISOR_DEFAULTS, type SupervisorLimits } from '../shared/limits.js';
import type { Logger } from './log.js';
import { SUPERVISED_ENV, type SupervisedMessage } from './supervised.js';

const BIN = fileURLToPath(new URL('../../bin/starling.js', import.meta.url));
/** Passed on to the child; SIGWINCH (the terminal resized) too where the child has a process group of its own. */
const FORWARDED: NodeJS.Signals[] =
  process.platform === 'win32'
    ? ['SIGINT', 'SIGTERM', 'SIGHUP']
    : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGWINCH'];

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
}

/** Runs `starling client ...argv` in a child, restarted after a hang; resolves with the exit code. */
export function supervise(argv: string[], log: Logger, limits: SupervisorLimits = SUPERVISOR_DEFAULTS) {
  return new Promise<number>((resolve) => {
    let child: ChildProcess | undefined;
    let lastBeat = 0;
    let hung = false;
    let stopping = false;
    let ports: string[] = [];
    let restartTimer: NodeJS.Timeout | undefined;
    const restarts: number[] = [];

    const start = () => {
      restartTimer = undefined;
      lastBeat = performance.now();
      hung = false;
      // Its own process group (not on Windows, where that means a console of its own): a Ctrl-C on the
      // terminal reaches the supervisor only, which passes it on once.
      const c = fork(BIN, ['client', ...argv, ...ports], {
        stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
        detached: process.platform !== 'win32',
        env: { ...process.env, [SUPERVISED_ENV]: '1' },
        // The supervisor's own debugger port would be taken.
        execArgv: process.execArgv.filter((a) => !a.startsWith('--inspect')),
      });
      child = c;
      c.on('message', (m: SupervisedMessage) => {
        lastBeat = performance.now();
        if (m.type === 'listening' && ports.length === 0) {
          ports = ['--socks', m.socks, '--http', m.http, ...(m.status ? ['--status', m.status] : [])];
        }
      });
      c.once('exit', (code, signal) => exited(code, signal));
      c.on('error', (e) => {
        if (c.pid !== undefined) return;
        log.error(`cannot start the client process: ${e.message}`);
        child = undefined;
        finish(1);
      });
    };

    const watchdog = setInterval(() => {
      if (child === undefined || hung || performance.now() - lastBeat < limits.hangAfterMs) return;
      hung = true;
      child.kill('SIGKILL');
    }, limits.heartbeatMs);

    const onSignal = (signal: NodeJS.Signals) => {
      if (signal !== 'SIGWINCH') stopping = true;
      if (child) child.kill(signal);
      else if (stopping) finish(0);
    };
    for (const s of FORWARDED) process.on(s, onSignal);

    const finish = (code: number) => {
      clearInterval(watchdog);
      clearTimeout(restartTimer);
      for (const s of FORWARDED) process.off(s, onSignal);
      resolve(code);
    };

    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      child = undefined;
      const seconds = Math.round(limits.hangAfterMs / 1000);
      if (stopping) {
        if (hung) log.error(`the client did not stop and sent no heartbeat for ${seconds} s: killed it`);
        return finish(hung ? 1 : exitCode(code, signal));
      }
      if (hung) {
        log.error(
          `the client process sent no heartbeat for ${seconds} s: hung, most likely libdatachannel's known deadlock (docs/lab.md); killed it, its connections were reset; starting a new one on the same ports`,
        );
      } else if (signal !== null) {
        log.error(
          `the client process was killed by ${signal}; its connections were reset; starting a new one on the same ports`,
        );
      } else return finish(code ?? 1);
      const now = performance.now();
      while (restarts.length > 0 && now - restarts[0]! >= limits.restartWindowMs) restarts.shift();
      const wait = restarts.length < limits.maxRestarts ? 0 : restarts[0]! + limits.restartWindowMs - now;
      if (wait > 0) {
        log.warn(
          `${restarts.length} restarts within ${Math.round(limits.restartWindowMs / 1000)} s: the next in ${Math.ceil(wait / 1000)} s`,
        );
      }
      restarts.push(now + wait);
      restartTimer = setTimeout(start, wait);
    };

    start();
  });
}
