/**
 * Memory per idle session at the egress: an egress in a child process (bench/lib/egress-child.mjs, with
 * --expose-gc), K sessions made over real WebSockets by startSession (session-v1 §2) from this process, and
 * the egress's heap + external memory after GC, before and after, divided by K. Then the clients drop their
 * paths and the same is measured for sessions waiting without a path (session-v1 §5.2).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { webSocketPath } from '../src/egress/ws-path.js';
import { startSession } from '../src/session/client-handshake.js';
import { decodeKey } from '../src/session/noise.js';
import type { Session } from '../src/session/session.js';
import { PATH_SUBPROTOCOL } from '../src/shared/path.js';
import { EgressChild, type Usage } from './lib/egress-proc.js';
import { type Group, record, type Samples } from './lib/group.js';
import { withTimeout } from './lib/tcp-target.js';

const SESSIONS = 200;
/** Sessions made before the baseline is measured. */
const WARMUP = 40;

async function openSession(port: number, key: Uint8Array): Promise<{ session: Session; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, PATH_SUBPROTOCOL, { perMessageDeflate: false });
  await withTimeout(once(ws, 'open'), 10_000, 'WebSocket open');
  const { session } = await startSession(webSocketPath(ws), key, 0);
  return { session, ws };
}

const bytes = (u: Usage): number => u.heap + u.external;

export const memoryGroup: Group = {
  name: 'memory',
  figures: [
    {
      name: 'egress.bytes_per_idle_session',
      unit: 'bytes',
      what: `egress heap + external after GC per idle session with its WebSocket path open (${SESSIONS} sessions)`,
    },
    {
      name: 'egress.bytes_per_pathless_session',
      unit: 'bytes',
      what: 'the same once the paths are closed and the sessions wait for a JOIN (session-v1 §5.2)',
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    for (let i = 0; i < ctx.runs; i++) {
      const { egress, port, key } = await EgressChild.start();
      const open: { session: Session; ws: WebSocket }[] = [];
      try {
        // One-time costs (code the JIT compiles for the first sessions, caches) are not per session: the
        // figure is the growth from WARMUP sessions to WARMUP + SESSIONS.
        const k = decodeKey(key);
        const openBatch = async (n: number): Promise<void> => {
          for (let j = 0; j < n; j += 20) {
            open.push(...(await Promise.all(Array.from({ length: 20 }, () => openSession(port, k)))));
          }
        };
        await openBatch(WARMUP);
        const before = await egress.measure();
        await openBatch(SESSIONS);
        const idle = await egress.measure();
        if (idle.sessions !== WARMUP + SESSIONS) throw new Error(`egress holds ${idle.sessions} sessions`);
        for (const o of open) o.ws.terminate();
        await new Promise((r) => setTimeout(r, 500));
        const pathless = await egress.measure();
        if (pathless.sessions !== WARMUP + SESSIONS)
          throw new Error(`egress holds ${pathless.sessions} pathless sessions`);
        // Every session, warm-up ones too, lost its path: what a path held is shared out over all of them.
        const perIdle = (bytes(idle) - bytes(before)) / SESSIONS;
        record(samples, 'egress.bytes_per_idle_session', perIdle);
        const perPathless = perIdle - (bytes(idle) - bytes(pathless)) / (WARMUP + SESSIONS);
        record(samples, 'egress.bytes_per_pathless_session', perPathless);
        ctx.log(
          `run ${i + 1}: ${perIdle.toFixed(0)} B/idle session, ${perPathless.toFixed(0)} B/pathless session`,
        );
      } finally {
        for (const o of open) o.session.close();
        await egress.stop();
      }
    }
    return samples;
  },
};
