/**
 * The supervised `starling client`'s side of the watchdog (src/cli/supervise.ts): a heartbeat from its event
 * loop, the ports it bound, and exiting when the supervisor is gone. Nothing here runs without a supervisor.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { SUPERVISOR_DEFAULTS } from '../shared/limits.js';

/** Set in the environment of the process a supervisor starts. */
export const SUPERVISED_ENV = 'STARLING_SUPERVISED';

/**
 * Test-only: a file name. Once the client has a volunteer, if that file does not exist, it is made and the
 * event loop blocks for good, as the JS thread does in libdatachannel's deadlock; the next child runs on.
 */
export const TEST_HANG_ENV = 'STARLING_TEST_HANG_ONCE';

/** What a supervised client tells its supervisor. */
export type SupervisedMessage =
  | { type: 'heartbeat' }
  | { type: 'listening'; socks: string; http: string; status?: string };

/** Whether this process is a client that a supervisor started (it has the IPC channel to it). */
export function isSupervised(): boolean {
  return process.env[SUPERVISED_ENV] === '1' && typeof process.send === 'function';
}

function send(message: SupervisedMessage): void {
  if (process.connected) process.send?.(message);
}

/** Heartbeats from now on; the supervisor gone (its IPC channel closed), this process exits at once. */
export function startHeartbeat(): void {
  if (!isSupervised()) return;
  send({ type: 'heartbeat' });
  setInterval(() => send({ type: 'heartbeat' }), SUPERVISOR_DEFAULTS.heartbeatMs).unref();
  process.once('disconnect', () => process.exit(1));
  // The channel alone must not keep the process alive.
  process.channel?.unref();
}

/** Tells the supervisor the proxies' addresses, so that a client started after a hang binds the same ports. */
export function reportListening(ports: { socks: string; http: string; status?: string }): void {
  if (isSupervised()) send({ type: 'listening', ...ports });
}

/** The test-only hang of TEST_HANG_ENV, armed on the client's status events. */
export function hangOnceForTests(client: {
  on(event: 'status', f: (s: { volunteers: number }) => void): void;
}) {
  const marker = process.env[TEST_HANG_ENV];
  if (marker === undefined || marker === '' || existsSync(marker)) return;
  client.on('status', (s) => {
    if (s.volunteers < 1) return;
    writeFileSync(marker, `${process.pid}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
}
