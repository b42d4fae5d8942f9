/**
 * The broker's floods (issue 9, bench/flood.ts): one broker with every default limit in a process of its own
 * (bench/lib/broker-child.mjs, memory store), honest volunteers and clients each from a loopback address of its
 * own (127.0.1.x, 127.0.2.x), and attackers from others (127.0.3.x):
 * - `rate`: 4 attacker addresses send offers and polls as fast as 64 connections each allow, well over 10x
 *   the per-source rate limit (5/s, burst 20);
 * - `pool`: 8 attacker addresses each keep their share of the pool (maxWaitingPerSource polls) waiting and
 *   never answer what they get, while 4 more post offers as fast as their match budget lets them, taking
 *   honest volunteers;
 * Honest clients act as Starling's client does: on no-match, 429 or 503 they wait the retry hint and try
 * again, and after an answer timeout they try again, up to HONEST_DEADLINE_MS. Reported: the share of honest
 * clients matched and answered, the broker's heap at its peak above idle, and the attack rate reached.
 */
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BrokerProc, startBroker } from '../broker-load.js';
import type { FigureDef, GroupContext, Samples } from './group.js';
import { record } from './group.js';
import { post } from './http-post.js';

const EGRESS = 'ws://127.0.0.1:8701/';
const SDP = `v=0 ${'a'.repeat(1500)}`;
const HONEST_VOLUNTEERS = 16;
const HONEST_CLIENTS = 40;
const HONEST_CONCURRENCY = 8;
/** An honest client gives up after this long, ms (two answer timeouts and some). */
const HONEST_DEADLINE_MS = 25_000;
const RAMP_MS = 1500;
const MB = 1e6;

const SCENARIOS = [
  { name: 'rate', what: '4 addresses x 64 connections posting offers and polls as fast as answered' },
  {
    name: 'pool',
    what: '8 addresses holding their share of the pool and never answering, 4 more taking volunteers with offers',
  },
] as const;

export const BROKER_FLOOD_FIGURES: FigureDef[] = [
  {
    name: 'flood.broker.baseline.honest_ms',
    unit: 'ms',
    what: `mean time for an honest client to be matched and answered, no attack (${HONEST_CLIENTS} clients, ${HONEST_VOLUNTEERS} volunteers)`,
  },
  ...SCENARIOS.flatMap((s): FigureDef[] => [
    {
      name: `flood.broker.${s.name}.honest_share`,
      unit: '%',
      what: `honest clients of ${HONEST_CLIENTS} matched and answered within ${HONEST_DEADLINE_MS / 1000} s under ${s.what}`,
      target: { op: '>=', on: 'value', limit: 99 },
    },
    {
      name: `flood.broker.${s.name}.honest_ms`,
      unit: 'ms',
      what: 'mean time of a matched honest client under that attack',
      baseline: 'flood.broker.baseline.honest_ms',
    },
    {
      name: `flood.broker.${s.name}.peak_mb`,
      unit: 'MB',
      what: "the broker's heap after GC at its peak during the attack, above its idle state (default limits)",
    },
    {
      name: `flood.broker.${s.name}.attack_per_s`,
      unit: '/s',
      what: 'attack requests answered per second (most of them 429 or 503)',
    },
  ]),
];

/** Honest volunteers: poll, answer every offer at once, poll again after the hint. */
function honestVolunteers(port: number, stop: AbortSignal): Promise<void>[] {
  return Array.from({ length: HONEST_VOLUNTEERS }, async (_, i) => {
    const agent = new Agent({ keepAlive: true });
    const from = `127.0.1.${i + 1}`;
    let ticket: string | undefined;
    while (!stop.aborted) {
      try {
        const body = {
          v: 1,
          nat: 'public',
          egress: [EGRESS],
          ...(ticket === undefined ? {} : { ticket }),
        };
        const res = await post(agent, port, '/v1/volunteer/poll', JSON.stringify(body), from);
        const polled = JSON.parse(res.text) as {
          ticket?: string;
          offer?: { id: string } | null;
          retryAfterMs?: number;
        };
        if (res.status === 200 && polled.ticket !== undefined) ticket = polled.ticket;
        if (res.status === 200 && polled.offer) {
          const answer = JSON.stringify({ v: 1, offerId: polled.offer.id, sdp: SDP });
          await post(agent, port, '/v1/volunteer/answer', answer, from);
        } else if (res.status !== 200) await sleep(Math.min(polled.retryAfterMs ?? 1000, 2000));
      } catch {
        await sleep(200);
      }
    }
    agent.destroy();
  });
}

/** One honest client: offers until answered, following the broker's hints, or gives up at the deadline. */
async function honestClient(port: number, from: string): Promise<number | undefined> {
  const agent = new Agent({ keepAlive: true });
  const start = performance.now();
  const body = JSON.stringify({ v: 1, nat: 'unknown', sdp: SDP, exclude: [] });
  try {
    while (performance.now() - start < HONEST_DEADLINE_MS) {
      const res = await post(agent, port, '/v1/client/offer', body, from).catch(() => ({
        status: 0,
        text: '{}',
      }));
      if (res.status === 200) return performance.now() - start;
      let hint = 1000;
      try {
        hint = (JSON.parse(res.text) as { retryAfterMs?: number }).retryAfterMs ?? 1000;
      } catch {}
      await sleep(Math.min(hint, 5000, Math.max(0, HONEST_DEADLINE_MS - (performance.now() - start))));
    }
    return undefined;
  } finally {
    agent.destroy();
  }
}

async function honestRound(port: number, round: number): Promise<{ ok: number; meanMs: number }> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: HONEST_CONCURRENCY }, async () => {
      while (next < HONEST_CLIENTS) {
        const i = next++;
        // Each client from an address of its own, new per round (a fresh match budget, as a new user has).
        const t = await honestClient(port, `127.0.2.${1 + ((round * HONEST_CLIENTS + i) % 250)}`);
        if (t !== undefined) times.push(t);
      }
    }),
  );
  const meanMs = times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : Number.NaN;
  return { ok: times.length, meanMs };
}

/** Starts attack `name`; resolves, once stopped, with the requests it got answered. */
function attack(name: (typeof SCENARIOS)[number]['name'], port: number, stop: AbortSignal): Promise<number> {
  let answered = 0;
  const loops: Promise<void>[] = [];
  const loop = (step: () => Promise<void>): void => {
    loops.push(
      (async () => {
        while (!stop.aborted) {
          try {
            await step();
            answered++;
          } catch {
            await sleep(50);
          }
        }
      })(),
    );
  };
  const offer = JSON.stringify({ v: 1, nat: 'unknown', sdp: SDP, exclude: [] });
  const poll = JSON.stringify({ v: 1, nat: 'public', egress: [EGRESS] });
  const agents: Agent[] = [];
  const agentFor = (): Agent => {
    const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    agents.push(agent);
    return agent;
  };
  if (name === 'rate') {
    for (let a = 0; a < 4; a++) {
      const from = `127.0.3.${a + 1}`;
      const agent = agentFor();
      for (let c = 0; c < 64; c++) {
        const path = c % 2 === 0 ? '/v1/client/offer' : '/v1/volunteer/poll';
        const body = c % 2 === 0 ? offer : poll;
        loop(async () => {
          await post(agent, port, path, body, from);
        });
      }
    }
  } else {
    // Hostile volunteers: their share of the pool, always waiting, never answering.
    for (let a = 0; a < 8; a++) {
      const from = `127.0.3.${a + 1}`;
      const agent = agentFor();
      for (let c = 0; c < 16; c++) {
        let ticket: string | undefined;
        loop(async () => {
          const body = {
            v: 1,
            nat: 'public',
            egress: [EGRESS],
            ...(ticket === undefined ? {} : { ticket }),
          };
          const res = await post(agent, port, '/v1/volunteer/poll', JSON.stringify(body), from);
          const polled = JSON.parse(res.text) as { ticket?: string; retryAfterMs?: number };
          if (polled.ticket !== undefined) ticket = polled.ticket;
          if (res.status !== 200) await sleep(Math.min(polled.retryAfterMs ?? 1000, 1000));
        });
      }
    }
    // Hostile clients: offers as fast as the match budget allows, answers thrown away.
    for (let a = 0; a < 4; a++) {
      const from = `127.0.3.${20 + a}`;
      const agent = agentFor();
      for (let c = 0; c < 16; c++)
        loop(async () => {
          await post(agent, port, '/v1/client/offer', offer, from);
        });
    }
  }
  return (async () => {
    await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    for (const agent of agents) agent.destroy();
    await Promise.all(loops);
    return answered;
  })();
}

export async function measureBrokerFloods(ctx: GroupContext, samples: Samples): Promise<void> {
  for (let run = 0; run < ctx.runs; run++) {
    const broker: BrokerProc = await startBroker({ LIMITS: 'default', EGRESS });
    const volunteersStop = new AbortController();
    const volunteers = honestVolunteers(broker.port, volunteersStop.signal);
    let round = 0;
    try {
      await sleep(500);
      const base = await honestRound(broker.port, round++);
      record(samples, 'flood.broker.baseline.honest_ms', base.meanMs);
      for (const s of SCENARIOS) {
        if (!ctx.wants(`flood.broker.${s.name}.honest_share`)) continue;
        const idle = await broker.stats();
        const stop = new AbortController();
        const t0 = performance.now();
        const attacked = attack(s.name, broker.port, stop.signal);
        let peak = idle.heap;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            peak = Math.max(peak, (await broker.stats()).heap);
            await sleep(500);
          }
        })();
        await sleep(RAMP_MS);
        const honest = await honestRound(broker.port, round++);
        stop.abort();
        const answered = await attacked;
        sampling = false;
        await sampler;
        const seconds = (performance.now() - t0) / 1000;
        record(samples, `flood.broker.${s.name}.honest_share`, (100 * honest.ok) / HONEST_CLIENTS);
        record(samples, `flood.broker.${s.name}.honest_ms`, honest.meanMs);
        record(samples, `flood.broker.${s.name}.peak_mb`, (peak - idle.heap) / MB);
        record(samples, `flood.broker.${s.name}.attack_per_s`, answered / seconds);
        ctx.log(
          `run ${run + 1} broker ${s.name}: ${honest.ok}/${HONEST_CLIENTS} honest, ${honest.meanMs.toFixed(0)} ms ` +
            `(no attack ${base.meanMs.toFixed(0)}), peak +${((peak - idle.heap) / MB).toFixed(1)} MB, ` +
            `${(answered / seconds).toFixed(0)} attack requests/s`,
        );
        // Let the attack's polls and pending offers end before the next scenario.
        await sleep(1000);
      }
    } finally {
      volunteersStop.abort();
      await broker.stop();
      await Promise.allSettled(volunteers);
    }
  }
}
