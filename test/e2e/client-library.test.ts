/**
 * The client as a library (docs/client-library.md) over a real local network: broker, egress and a Node
 * volunteer as processes, a target server on loopback. The example program runs as another Node program
 * would; the API is also driven from this process to check its events and status snapshots.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ClientStatus, createClient, type VolunteerChange } from '../../src/client/index.js';
import { encodeKey } from '../../src/session/noise.js';
import { watchChild } from '../helpers/child.js';
import { seededSha, startTarget } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';
import { until } from '../helpers/until.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/fetch-through-starling.mjs', import.meta.url));
const SIZE = 300_000;
let net: Network;
let target: Awaited<ReturnType<typeof startTarget>>;

before(async () => {
  target = await startTarget();
  net = await Network.start({ volunteers: 1, client: false });
});

after(async () => {
  await net?.stop();
  await target?.close();
});

test('examples/fetch-through-starling.mjs fetches a page through the tunnel, byte for byte', async () => {
  const child = spawn(
    process.execPath,
    [
      EXAMPLE,
      '--broker',
      net.brokerUrl,
      '--egress-key',
      encodeKey(net.keys.publicKey),
      '--ice-address',
      '127.0.0.1',
      `http://127.0.0.1:${target.port}/bytes/${SIZE}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const watched = watchChild(child);
  const out = createHash('sha256');
  let bytes = 0;
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out.update(d);
    bytes += d.length;
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await watched.exited;
  assert.equal(code, 0, err);
  assert.equal(bytes, SIZE, err);
  assert.equal(out.digest('hex'), seededSha(SIZE));
  assert.match(err, /volunteer up/);
  assert.match(err, /HTTP 200, 300000 bytes; \d+ bytes down through 1 volunteer/);
});

/** Reads a whole stream. */
async function readAll(s: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('createClient: open() carries bytes; volunteer, status and stopped events follow', async () => {
  const client = createClient({
    broker: net.brokerUrl,
    egressKey: encodeKey(net.keys.publicKey),
    paths: 1,
    iceAddress: '127.0.0.1',
    statusIntervalMs: 100,
    closeWebRtc: true,
  });
  const changes: VolunteerChange[] = [];
  const statuses: ClientStatus[] = [];
  client.on('volunteer', (v) => changes.push(v));
  client.on('status', (s) => statuses.push(s));
  const stopped = new Promise<Error | undefined>((resolve) => client.once('stopped', resolve));
  try {
    assert.equal(client.status().state, 'connecting');
    const socket = await client.open('127.0.0.1', target.port);
    socket.end(`GET /bytes/${SIZE} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
    const answer = await readAll(socket);
    const body = answer.subarray(answer.indexOf('\r\n\r\n') + 4);
    assert.equal(createHash('sha256').update(body).digest('hex'), seededSha(SIZE));
    const s = client.status();
    assert.equal(s.state, 'connected');
    assert.equal(s.volunteers, 1);
    assert.ok(s.bytesDown >= answer.length, `bytesDown ${s.bytesDown} < ${answer.length}`);
    assert.ok(s.bytesUp > 0);
    assert.equal(s.problem, null);
    assert.deepEqual(
      changes.map((c) => c.change),
      ['up'],
    );
    // Throughput is sampled every statusIntervalMs: some sample saw the download move.
    await until(() => statuses.some((x) => x.downBytesPerSec > 0), 'a sample with download throughput');
  } finally {
    await client.close();
  }
  assert.equal(await stopped, undefined);
  assert.equal(client.status().state, 'stopped');
});

test('the example takes a key that starts with "-" (base64url) as the value of --egress-key', async () => {
  // No broker given: the usage line and exit 2, not parseArgs taking the key for an unknown option.
  const child = spawn(process.execPath, [EXAMPLE, '--egress-key', '-Ab_c', 'http://127.0.0.1:9/'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const watched = watchChild(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  assert.equal(await watched.exited, 2, err);
  assert.match(err, /^usage: fetch-through-starling\.mjs/);
});
