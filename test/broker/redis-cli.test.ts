/** `starling broker --redis URL`: startup failures are clear and non-zero; a clean stop leaves no key. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { BROKER_DEFAULTS } from '../../src/shared/limits.js';
import { BrokerClient } from '../../src/signaling/client.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';

const CLI = fileURLToPath(new URL('../fixtures/cli.ts', import.meta.url));
let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

/** Runs the CLI; resolves with its exit code and output once it exits (killed after 20 s). */
function cli(args: string[], onLine?: (line: string, kill: () => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STARLING_LOG_ADDRESSES: 'true' }, // the output names Redis's address
  });
  const lines: string[] = [];
  const kill = (): void => void child.kill('SIGTERM');
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      onLine?.(line, kill);
    });
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    return { code: code as number | null, output: lines.join('\n') };
  });
}

test('starling broker --redis with a bad URL exits 2 naming the flag', async () => {
  const { code, output } = await cli([
    'broker',
    '--listen',
    '127.0.0.1:0',
    '--redis',
    'http://127.0.0.1:6379/',
  ]);
  assert.equal(code, 2);
  assert.match(output, /--redis must be a redis:\/\/ or rediss:\/\/ URL/);
});

test('starling broker --redis with an unreachable Redis exits 1 saying so', async () => {
  const { code, output } = await cli([
    'broker',
    '--listen',
    '127.0.0.1:0',
    '--redis',
    'redis://127.0.0.1:1/',
  ]);
  assert.equal(code, 1);
  assert.match(output, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1\//);
});

test('starling broker with more egress URLs than a client reads exits 2 naming the limit', async () => {
  const egress = Array.from({ length: 17 }, (_, i) => ['--egress', `ws://127.0.0.1:${9000 + i}/`]).flat();
  const { code, output } = await cli(['broker', '--listen', '127.0.0.1:0', ...egress]);
  assert.equal(code, 2, output);
  assert.match(output, /--egress: at most 16 egress URLs are allowed, not 17/);
});

test('starling broker --trusted-proxies N keys rate limits on the forwarded client; a bad N exits 2', async () => {
  const bad = await cli(['broker', '--listen', '127.0.0.1:0', '--trusted-proxies', '-1']);
  assert.equal(bad.code, 2, bad.output);
  assert.match(bad.output, /--trusted-proxies must be a whole number from 0 to 16/);
  let statuses: Promise<number[]> | undefined;
  const { code, output } = await cli(
    ['broker', '--listen', '127.0.0.1:0', '--trusted-proxies', '1'],
    (line, kill) => {
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(line)?.[1];
      if (port === undefined) return;
      const from = async (client: string): Promise<number> => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/info`, {
          headers: { 'x-forwarded-for': client },
        });
        await res.body?.cancel();
        return res.status;
      };
      statuses = (async () => {
        const out: number[] = [];
        // The bucket refills while we send, so send until it is empty (bounded).
        for (let i = 0; i < 10 * BROKER_DEFAULTS.rateLimitBurst && out.at(-1) !== 429; i++) {
          out.push(await from('198.51.100.1'));
        }
        out.push(await from('198.51.100.2'));
        return out;
      })().finally(kill);
    },
  );
  assert.equal(code, 0, output);
  const got = await statuses;
  assert.ok(got !== undefined, output);
  assert.deepEqual(got.slice(-2), [429, 200], 'one forwarded client ran out; another still has its bucket');
});

test('starling broker --redis serves from the shared pool and leaves only its secret when stopped', async () => {
  const prefix = 'cli-test:';
  let answered: Promise<unknown> | undefined;
  const run = cli(
    ['broker', '--listen', '127.0.0.1:0', '--redis', redis.url, '--redis-prefix', prefix],
    (line, kill) => {
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)\/ .*sharing its pool through redis:/.exec(
        line,
      )?.[1];
      if (port === undefined) return;
      answered = new BrokerClient(`http://127.0.0.1:${port}`)
        .offer({ nat: 'unknown', sdp: 'v=0 x' })
        .catch((err: unknown) => err)
        .finally(kill);
    },
  );
  const { code, output } = await run;
  assert.equal(code, 0, output);
  const noMatch = await answered;
  assert.equal((noMatch as { code?: unknown } | undefined)?.code, 'no-match');
  const client = new Redis(redis.url);
  try {
    assert.deepEqual(await client.keys(`${prefix}*`), [`${prefix}k`]);
  } finally {
    client.disconnect();
  }
});

test('starling broker --max-waiting-per-source N: one address gets N waiting polls; a bad N exits 2', async () => {
  const bad = await cli(['broker', '--listen', '127.0.0.1:0', '--max-waiting-per-source', '0']);
  assert.equal(bad.code, 2, bad.output);
  assert.match(bad.output, /--max-waiting-per-source must be a whole number/);
  let codes: Promise<string[]> | undefined;
  const { code, output } = await cli(
    ['broker', '--listen', '127.0.0.1:0', '--max-waiting-per-source', '1'],
    (line, kill) => {
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(line)?.[1];
      if (port === undefined) return;
      const volunteer = new BrokerClient(`http://127.0.0.1:${port}`);
      const ac = new AbortController();
      const poll = () =>
        volunteer.poll({ nat: 'unknown', egress: ['ws://127.0.0.1:8701/'] }, ac.signal).then(
          () => 'answered',
          (err: { code?: unknown }) => String(err.code),
        );
      codes = (async () => {
        const first = poll();
        await new Promise((r) => setTimeout(r, 200));
        const second = await poll();
        ac.abort();
        await first;
        return [second];
      })().finally(kill);
    },
  );
  assert.equal(code, 0, output);
  assert.deepEqual(await codes, ['overloaded'], 'the second poll from one address is refused');
});
