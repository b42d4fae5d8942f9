/**
 * `starling client --status ADDR` follows a real transfer (broker, egress, Node volunteer and client as
 * processes, a target on loopback): the JSON's byte counters move and a volunteer carries the session.
 * The client's stdout is a pipe here, so it must print log lines only: no status line, no control sequence.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import type { ClientStatus } from '../../src/client/status.js';
import { encodeKey } from '../../src/session/noise.js';
import { getViaSocks, seededSha, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';

const MiB = 1024 * 1024;
let net: Network;
let target: Awaited<ReturnType<typeof startTarget>>;
let statusUrl: URL;

before(async () => {
  target = await startTarget();
  net = await Network.start({ volunteers: 1, client: false });
  const client = await net.startClient(1, encodeKey(net.keys.publicKey), ['--status', '127.0.0.1:0']);
  statusUrl = new URL((await client.waitFor(/status on (http:\/\/\S+)/))[1]!);
});

after(async () => {
  await net?.stop();
  await target?.close();
});

function get(url: URL, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function status(): Promise<ClientStatus> {
  const res = await get(statusUrl);
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body) as ClientStatus;
}

test('GET /status follows a real transfer: bytes move, a volunteer carries it', async () => {
  const before = await status();
  assert.equal(before.wantedVolunteers, 1);
  const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${2 * MiB}`);
  assert.equal(got.sha, seededSha(2 * MiB));
  const upload = Buffer.alloc(MiB, 7);
  await viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/sha`, 'POST', upload);
  const after = await status();
  assert.equal(after.state, 'connected');
  assert.ok(after.volunteers >= 1, `volunteers ${after.volunteers}`);
  assert.ok(after.bytesDown - before.bytesDown >= 2 * MiB, `down ${before.bytesDown} -> ${after.bytesDown}`);
  assert.ok(after.bytesUp - before.bytesUp >= MiB, `up ${before.bytesUp} -> ${after.bytesUp}`);
  assert.equal(after.problem, null);
  assert.ok(after.uptimeMs > before.uptimeMs);
});

test('the status answers only GET /status, and only to a loopback Host (no DNS rebinding)', async () => {
  assert.equal((await get(new URL('/other', statusUrl))).status, 404);
  const rebound = await get(statusUrl, { host: `starling-users.example:${statusUrl.port}` });
  assert.equal(rebound.status, 403);
  assert.doesNotMatch(rebound.body, /bytes/);
  assert.equal((await get(statusUrl, { host: `localhost:${statusUrl.port}` })).status, 200);
});

test('with stdout not a terminal the client prints log lines only, no control sequences', async () => {
  const lines = net.client?.lines ?? [];
  assert.ok(lines.some((l) => /path \d+ up through volunteer/.test(l)));
  for (const line of lines) {
    assert.ok(!line.includes('\u001b'), `control sequence in ${JSON.stringify(line)}`);
    assert.doesNotMatch(line, /volunteers \| up /, 'a status line on a pipe');
  }
});
