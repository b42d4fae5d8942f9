/**
 * Floods as benchmarks (issue 9): the egress, with its default limits, in a child process (bench/lib/
 * egress-child.mjs), while attackers (bench/lib/flood-attack.ts) from other loopback addresses replay one
 * HELLO, make fresh HELLOs they never finish, flood PINGs from sessions of their own, or send JOINs that cannot
 * pass. Meanwhile honest clients from 127.0.0.1 each make a session over a real WebSocket and echo 16 KiB
 * through a stream to a local TCP target. Reported: the share of honest sessions that completed (goal >= 99%),
 * their time against the same work with no attack, the egress's memory at its peak above its idle state, and
 * the attack rate reached. Everything runs on one machine, so attackers, egress and honest clients share its
 * cores: the rates are what this machine could send, not what an egress withstands.
 *
 * The broker's floods (far past its rate limit, its pool under attack) are bench/lib/broker-flood.ts.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import { webSocketPath } from '../src/egress/ws-path.js';
import { startSession } from '../src/session/client-handshake.js';
import { decodeKey } from '../src/session/noise.js';
import { EGRESS_SESSION_DEFAULTS, SESSION_DEFAULTS } from '../src/shared/limits.js';
import { watchChild } from '../test/helpers/child.js';
import { BROKER_FLOOD_FIGURES, measureBrokerFloods } from './lib/broker-flood.js';
import { EgressChild } from './lib/egress-proc.js';
import { type AttackCount, openFrom } from './lib/flood-attack.js';
import type { FigureDef, Group, GroupContext, Samples } from './lib/group.js';
import { record } from './lib/group.js';
import { startTcpTarget, withTimeout } from './lib/tcp-target.js';

const ATTACKER = fileURLToPath(new URL('./lib/flood-attack.ts', import.meta.url));

/** Starts attack `name` in a process of its own; `stop()` ends it and resolves with its count. */
function startAttack(name: string, url: string, key: string, sessionId: Uint8Array) {
  const child = watchChild(
    spawn(
      process.execPath,
      ['--import', 'tsx', ATTACKER, name, url, key, Buffer.from(sessionId).toString('hex')],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    ),
  );
  const lines = createInterface({ input: child.child.stdout! })[Symbol.asyncIterator]();
  return {
    async stop(): Promise<AttackCount> {
      child.child.stdin!.end();
      const line = await withTimeout(lines.next(), 20_000, 'attacker');
      await child.stop(null, 5000);
      if (line.done === true) throw new Error('the attacker exited without its count');
      return JSON.parse(line.value) as AttackCount;
    },
  };
}

const HONEST_SESSIONS = 100;
const HONEST_CONCURRENCY = 10;
const ECHO_BYTES = 16 * 1024;
const RAMP_MS = 1000;
const MB = 1e6;

interface Scenario {
  name: string;
  what: string;
}

/** What bench/lib/flood-attack.ts ATTACKS do, by name. */
const SCENARIOS: Scenario[] = [
  {
    name: 'hello_replay',
    what: 'one captured HELLO replayed on new WebSockets, 64 at a time from 4 addresses',
  },
  {
    name: 'hello_fresh',
    what: 'fresh HELLOs never finished, each WebSocket held, 384 at a time from 8 addresses',
  },
  {
    name: 'ping',
    what: "PING records as fast as 32 attacker sessions' sockets take them, PONGs never read; 1 in 4 one record of 1000 PINGs",
  },
  {
    name: 'join',
    what: 'JOINs with made-up tags for an honest session id and for random ids, 64 at a time from 4 addresses',
  },
];

const bound = () => {
  const o = { ...SESSION_DEFAULTS, ...EGRESS_SESSION_DEFAULTS };
  return `half-open ${o.maxHalfOpen}, replay cache ${o.replayCacheEntries}, ${o.maxPathsPerSource} WebSockets per source`;
};

const EGRESS_FIGURES: FigureDef[] = [
  {
    name: 'flood.egress.baseline.honest_ms',
    unit: 'ms',
    what: `mean time of an honest session (WebSocket, HELLO, ${ECHO_BYTES / 1024} KiB echo), no attack, ${HONEST_CONCURRENCY} at a time`,
  },
  ...SCENARIOS.flatMap((s): FigureDef[] => [
    {
      name: `flood.egress.${s.name}.honest_share`,
      unit: '%',
      what: `honest sessions of ${HONEST_SESSIONS} that completed under ${s.what}`,
      target: { op: '>=', on: 'value', limit: 99 },
    },
    {
      name: `flood.egress.${s.name}.honest_ms`,
      unit: 'ms',
      what: 'mean time of a completed honest session under that attack',
      baseline: 'flood.egress.baseline.honest_ms',
    },
    {
      name: `flood.egress.${s.name}.peak_mb`,
      unit: 'MB',
      what: `egress heap + external at its peak during the attack, above its idle state (defaults: ${bound()})`,
    },
    {
      name: `flood.egress.${s.name}.attack_per_s`,
      unit: '/s',
      what: 'attack messages the attacker got sent per second (HELLOs, PINGs, JOINs)',
    },
  ]),
];

interface HonestResult {
  ok: number;
  meanMs: number;
  /** Why the others failed, with how many each. */
  failures: string;
}

async function honestOne(url: string, key: Uint8Array, echoPort: number): Promise<number> {
  const t0 = performance.now();
  const ws: WebSocket | undefined = await openFrom(url, '127.0.0.1');
  if (!ws) throw new Error('WebSocket refused');
  try {
    const { session } = await startSession(webSocketPath(ws), key, 0);
    try {
      const stream = await session.openStream('127.0.0.1', echoPort);
      const data = Buffer.alloc(ECHO_BYTES, 0x5a);
      stream.write('ECHO\n');
      stream.write(data);
      const got: Buffer[] = [];
      let n = 0;
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          stream.on('data', (d: Buffer) => {
            got.push(d);
            n += d.length;
            if (n >= ECHO_BYTES) resolve();
          });
          stream.once('error', reject);
        }),
        10_000,
        'echo',
      );
      if (!Buffer.concat(got).equals(data)) throw new Error('echo differs');
      stream.end();
      stream.destroy();
    } finally {
      session.close();
    }
  } finally {
    ws.terminate();
  }
  return performance.now() - t0;
}

async function honestRound(url: string, key: Uint8Array, echoPort: number): Promise<HonestResult> {
  const times: number[] = [];
  const why = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: HONEST_CONCURRENCY }, async () => {
      while (next < HONEST_SESSIONS) {
        next += 1;
        try {
          times.push(await withTimeout(honestOne(url, key, echoPort), 15_000, 'honest session'));
        } catch (e) {
          const reason = (e as Error).message.split('\n')[0]!.slice(0, 80);
          why.set(reason, (why.get(reason) ?? 0) + 1);
        }
      }
    }),
  );
  const meanMs = times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : Number.NaN;
  const failures = [...why].map(([reason, n]) => `${n}x ${reason}`).join('; ');
  return { ok: times.length, meanMs, failures };
}

/** A session that stays up during the attack: its id is what a volunteer would have seen in its JOINs. */
async function bystander(url: string, key: Uint8Array): Promise<{ id: Uint8Array; close(): void }> {
  const ws = await openFrom(url, '127.0.0.1');
  if (!ws) throw new Error('WebSocket refused');
  const { session } = await startSession(webSocketPath(ws), key, 0);
  return {
    id: session.id,
    close: () => {
      session.close();
      ws.terminate();
    },
  };
}

async function settle(egress: EgressChild, paths: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const u = await egress.measure(false);
    if ((u.paths <= paths && u.halfOpen === 0) || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function measureEgress(ctx: GroupContext, samples: Samples): Promise<void> {
  const target = await startTcpTarget();
  try {
    for (let run = 0; run < ctx.runs; run++) {
      const { egress, port, key: keyText } = await EgressChild.start();
      const url = `ws://127.0.0.1:${port}/`;
      const key = decodeKey(keyText);
      const keep = await bystander(url, key);
      try {
        const base = await honestRound(url, key, target.port);
        record(samples, 'flood.egress.baseline.honest_ms', base.meanMs);
        for (const s of SCENARIOS) {
          if (!ctx.wants(`flood.egress.${s.name}.honest_share`)) continue;
          await settle(egress, 1);
          const idle = await egress.measure();
          const t0 = performance.now();
          const attack = startAttack(s.name, url, keyText, keep.id);
          let peak = 0;
          const sampler = setInterval(() => {
            void egress.measure(false).then((u) => {
              peak = Math.max(peak, u.heap + u.external);
            });
          }, 250);
          await new Promise((r) => setTimeout(r, RAMP_MS));
          const honest = await honestRound(url, key, target.port);
          const count = await attack.stop();
          clearInterval(sampler);
          const seconds = (performance.now() - t0) / 1000;
          record(samples, `flood.egress.${s.name}.honest_share`, (100 * honest.ok) / HONEST_SESSIONS);
          record(samples, `flood.egress.${s.name}.honest_ms`, honest.meanMs);
          record(samples, `flood.egress.${s.name}.peak_mb`, (peak - idle.heap - idle.external) / MB);
          record(samples, `flood.egress.${s.name}.attack_per_s`, count.sent / seconds);
          ctx.log(
            `run ${run + 1} ${s.name}: ${honest.ok}/${HONEST_SESSIONS} honest, ${honest.meanMs.toFixed(0)} ms ` +
              `(no attack ${base.meanMs.toFixed(0)}), peak +${((peak - idle.heap - idle.external) / MB).toFixed(1)} MB, ` +
              `${(count.sent / seconds).toFixed(0)} attacks/s${honest.failures ? `; failed: ${honest.failures}` : ''}`,
          );
        }
      } finally {
        keep.close();
        await egress.stop();
      }
    }
  } finally {
    await target.close();
  }
}

export const floodGroup: Group = {
  name: 'flood',
  figures: [...EGRESS_FIGURES, ...BROKER_FLOOD_FIGURES],
  async measure(ctx) {
    const samples: Samples = new Map();
    if (EGRESS_FIGURES.some((f) => ctx.wants(f.name))) await measureEgress(ctx, samples);
    if (BROKER_FLOOD_FIGURES.some((f) => ctx.wants(f.name))) await measureBrokerFloods(ctx, samples);
    return samples;
  },
};
