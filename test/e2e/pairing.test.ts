/**
 * A private bridge with real processes (signaling-v1 §8): `starling pair` makes the code, a Node volunteer
 * runs with `--pairing`, and clients with and without the code ask the same public broker. Runs in the test
 * network namespace.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getViaSocks, seededSha, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network, type Proc, run } from '../helpers/network.js';

const MiB = 1024 * 1024;
let net: Network;
let target: Awaited<ReturnType<typeof startTarget>>;
let code = '';
const clients: Proc[] = [];

/** `starling pair`, run as a user would: the code is its one line of output. */
async function pair(): Promise<string> {
  const proc = run('pair', ['pair']);
  assert.equal(await proc.exited, 0);
  assert.equal(proc.lines.length, 1, proc.lines.join('\n'));
  return proc.lines[0]!;
}

/** A `starling client` with these extra flags; resolves with its proxies' ports once it listens. */
async function client(extra: string[]): Promise<{ proc: Proc; socks: number; http: number }> {
  const started = await net.runClient(`client ${extra.join(' ')}`, extra);
  clients.push(started.proc);
  return started;
}

before(async () => {
  target = await startTarget();
  net = await Network.start({ volunteers: 0, client: false });
  code = await pair();
  await net.addVolunteer(['--pairing', code.toLowerCase()]);
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop('SIGKILL')));
  await net?.stop();
  await target?.close();
});

test('starling pair prints a new code of 7 groups of 4 each time', async () => {
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/);
  assert.notEqual(await pair(), code);
  assert.ok(net.volunteers[0]!.lines.some((l) => /as a private bridge/.test(l)));
});

test('a client without the code never gets the paired volunteer: no volunteer, never direct', async () => {
  const stranger = await client([]);
  const got = await viaHttpProxy(stranger.http, `http://127.0.0.1:${target.port}/bytes/10`);
  assert.equal(got.status, 502);
  assert.match(got.body, /no volunteer/i);
  await stranger.proc.stop();
});

test('a paired-only client with a wrong code gets a clear no-volunteer answer', async () => {
  const wrong = await client(['--pairing', await pair(), '--paired-only']);
  const got = await viaHttpProxy(wrong.http, `http://127.0.0.1:${target.port}/bytes/10`);
  assert.equal(got.status, 502);
  assert.match(got.body, /no volunteer/i);
  await wrong.proc.waitFor(/path attempt failed: no paired volunteer is waiting \(paired only\)/);
  await wrong.proc.stop();
});

test('a paired-only client with the code fetches 4 MiB through its friend', async () => {
  const friend = await client(['--pairing', code, '--paired-only']);
  const got = await getViaSocks(friend.socks, '127.0.0.1', target.port, `/bytes/${4 * MiB}`);
  assert.equal(got.status, 200);
  assert.equal(got.sha, seededSha(4 * MiB));
  await net.volunteers[0]!.waitFor(/helping \(1 client\)/);
  await friend.proc.stop();
});

test('a paired client whose friend is away falls back to a public volunteer', async () => {
  await net.addVolunteer();
  const away = await client(['--pairing', await pair()]);
  const got = await getViaSocks(away.socks, '127.0.0.1', target.port, '/bytes/100000');
  assert.equal(got.sha, seededSha(100_000));
  await net.volunteers[1]!.waitFor(/helping \(1 client\)/);
});

for (const [args, pattern] of [
  [['client', '--egress-key', 'A'.repeat(43), '--pairing', 'ABCD-EFGH'], /--pairing: .*28 letters/],
  [['client', '--egress-key', 'A'.repeat(43), '--paired-only'], /--paired-only needs --pairing/],
  [['volunteer', '--allow-egress', 'ws://127.0.0.1:1/', '--pairing', 'U'.repeat(28)], /--pairing: .*"U"/],
] as const) {
  test(`starling ${args.join(' ')} exits 2 naming the flag`, async () => {
    const proc = run(args[0], [...args]);
    assert.equal(await proc.exited, 2);
    assert.match(proc.lines.join('\n'), pattern);
  });
}
