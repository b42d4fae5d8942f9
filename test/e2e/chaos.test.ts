/**
 * Volunteers vanish; users' connections must not notice (issue: sessions that outlive volunteers).
 * 256 MiB down and 256 MiB up on 20 concurrent streams while volunteers are killed (or switched off) every
 * few seconds and new ones started. Every stream must complete with equal SHA-256 and none may be reset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadViaSocks, seededSha, startTarget, uploadViaSocks } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';

const MiB = 1024 * 1024;
const STREAMS = 20;
/** Time between two volunteer departures, ms. */
const CHURN_MS = Number(process.env.STARLING_CHAOS_CHURN_MS ?? 2000);
const TOTAL_EACH_WAY = Number(process.env.STARLING_CHAOS_MIB ?? 256) * MiB;

async function chaos(
  signal: 'SIGKILL' | 'SIGTERM',
): Promise<{ stallMs: number; churned: number; seconds: number }> {
  const target = await startTarget();
  const net = await Network.start({ volunteers: 3, paths: 2 });
  let churned = 0;
  let last = Date.now();
  let stallMs = 0;
  const progress = () => {
    const now = Date.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  };
  let running = true;
  const churn = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, CHURN_MS));
      if (!running) break;
      // Prefer a volunteer that is carrying the session right now.
      const alive = net.volunteers.filter((v) => v.child.exitCode === null && v.child.signalCode === null);
      const busy = alive.filter((v) =>
        /helping/.test(v.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? ''),
      );
      const helping = busy.length > 0 ? busy : alive;
      const victim = helping[Math.floor(Math.random() * helping.length)];
      if (!victim) continue;
      const replacement = net.addVolunteer();
      await victim.stop(signal);
      churned += 1;
      await replacement;
    }
  })();
  const started = Date.now();
  try {
    const per = Math.floor(TOTAL_EACH_WAY / (STREAMS / 2));
    last = Date.now();
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < STREAMS / 2; i++) {
      jobs.push(
        downloadViaSocks(net.socksPort, target.port, per + i, progress).then((r) => {
          assert.equal(r.sha, seededSha(per + i), `download ${i}`);
        }),
      );
      jobs.push(
        uploadViaSocks(net.socksPort, target.port, per - i, progress).then((sha) => {
          assert.equal(sha, seededSha(per - i), `upload ${i}`);
        }),
      );
    }
    await Promise.all(jobs);
    return { stallMs, churned, seconds: (Date.now() - started) / 1000 };
  } finally {
    running = false;
    await churn.catch(() => {});
    await net.stop();
    await target.close();
  }
}

test('killed volunteers (SIGKILL) lose no byte and reset no stream', { timeout: 600_000 }, async () => {
  const r = await chaos('SIGKILL');
  console.log(
    `chaos SIGKILL: ${r.churned} volunteers killed in ${r.seconds.toFixed(1)} s, longest stall ${r.stallMs} ms`,
  );
  assert.ok(r.churned >= 1, 'at least one volunteer was killed mid-transfer');
});

test('volunteers switched off gracefully (GOODBYE) lose no byte and reset no stream', {
  timeout: 600_000,
}, async () => {
  const r = await chaos('SIGTERM');
  console.log(
    `chaos SIGTERM: ${r.churned} volunteers switched off in ${r.seconds.toFixed(1)} s, longest stall ${r.stallMs} ms`,
  );
  assert.ok(r.churned >= 1, 'at least one volunteer was switched off mid-transfer');
});
