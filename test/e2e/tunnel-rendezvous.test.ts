/**
 * signaling-v1 §12 with real processes: a client with two paths whose way to the broker then goes dead (the
 * test closes the TCP forwarder it talked to the broker through) still gets a replacement for a SIGKILLed
 * volunteer, because its offer goes through the tunnel: the egress (`--broker`) posts it, so the broker sees
 * it arrive from the egress's forwarder and never from the client's, tagged with the egress token both were
 * given (`--broker-token`, `--egress-token`) and one session id (signaling-v1 §12 "Sources through the tunnel").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { Network, run } from '../helpers/network.js';
import { until } from '../helpers/until.js';

/**
 * A TCP forwarder to 127.0.0.1:`target` (settable later) that notes the HTTP request lines it carries, and
 * the session ids and egress tokens in their headers.
 */
async function forwarder() {
  const requests: string[] = [];
  const sessions = new Set<string>();
  const tokens = new Set<string>();
  const sockets = new Set<Socket>();
  const state = { target: 0 };
  const server: Server = createServer((down) => {
    const up = connect(state.target, '127.0.0.1');
    sockets.add(down).add(up);
    let tail = '';
    down.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      for (const m of text.matchAll(/(GET|POST) (\/\S*) HTTP\/1\.1\r\n/g)) requests.push(`${m[1]} ${m[2]}`);
      for (const m of text.matchAll(/\r\nstarling-session: ([^\r]*)\r\n/gi)) sessions.add(m[1]!);
      for (const m of text.matchAll(/\r\nstarling-egress-token: ([^\r]*)\r\n/gi)) tokens.add(m[1]!);
      tail = text.slice(-128);
    });
    down.pipe(up).pipe(down);
    const end = () => {
      down.destroy();
      up.destroy();
      sockets.delete(down);
      sockets.delete(up);
    };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    sessions,
    tokens,
    state,
    /** Stops carrying anything: no new connection, the open ones cut. */
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

const offers = (requests: string[]) =>
  requests.filter((r) => r === 'POST /v1/client/offer' || r === 'POST /v1/sealed').length;

test('a client whose way to the broker is dead gets a replacement volunteer through the tunnel, sealed', async () => {
  const viaEgress = await forwarder();
  const viaClient = await forwarder();
  // The broker seals (signaling-v1 §10): what the egress forwards is ciphertext it cannot read.
  const keyDir = mkdtempSync(join(tmpdir(), 'starling-tunnel-rdv-'));
  const keyFile = join(keyDir, 'broker-key.json');
  await writeKeyFile(keyFile, generateKeyPair());
  const token = 'e2e-egress-token-0123456789abcdefghijklmnop';
  const tokenFile = join(keyDir, 'egress-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const net = await Network.start({
    volunteers: 3,
    client: false,
    egressArgs: ['--broker', `http://127.0.0.1:${viaEgress.port}/`, '--broker-token', tokenFile],
    brokerArgs: ['--key', keyFile, '--egress-token', tokenFile],
  });
  try {
    const brokerPort = Number(new URL(net.brokerUrl).port);
    viaEgress.state.target = brokerPort;
    viaClient.state.target = brokerPort;
    net.brokerUrl = `http://127.0.0.1:${viaClient.port}/`; // the client's way only; volunteers go direct
    const client = await net.startClient(2, encodeKey(net.keys.publicKey));
    const ups = () => client.lines.filter((l) => / path \d+ up /.test(l)).length;
    await until(() => ups() >= 2, 'paths up', 30_000);
    assert.ok(offers(viaClient.requests) >= 1, "the first offer went the client's own way");

    viaClient.close();
    const clientOffersBefore = offers(viaClient.requests);
    const egressOffersBefore = offers(viaEgress.requests);
    const busy = net.volunteers.find((v) =>
      /helping/.test(v.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? ''),
    );
    assert.ok(busy, 'a volunteer is carrying a path');
    await busy.stop('SIGKILL');
    await until(() => ups() >= 3, 'paths up', 30_000);

    assert.ok(viaEgress.requests.includes('POST /v1/sealed'), 'sealed through the egress');
    assert.ok(!viaEgress.requests.includes('POST /v1/client/offer'), 'never in the clear');
    assert.ok(
      offers(viaEgress.requests) > egressOffersBefore,
      `the replacement offer came from the egress: ${viaEgress.requests.join(', ')}`,
    );
    assert.equal(offers(viaClient.requests), clientOffersBefore, "nothing more went the client's way");
    // signaling-v1 §12: the broker counts the client's session, not the egress's address.
    assert.deepEqual([...viaEgress.tokens], [token], 'the egress proves itself');
    assert.equal(viaEgress.sessions.size, 1, `one session, one id: ${[...viaEgress.sessions].join(', ')}`);
    assert.equal(viaClient.sessions.size + viaClient.tokens.size, 0, 'a client sends neither header');
    assert.ok(
      client.lines.some((l) => /rendezvous: reaching the broker by tunnel/.test(l)),
      `the client says it uses the tunnel:\n${client.lines.slice(-20).join('\n')}`,
    );
  } finally {
    viaClient.close();
    viaEgress.close();
    await net.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
});

test('with an egress without --broker the client falls back to its own way, once per session', async () => {
  const net = await Network.start({ volunteers: 4, paths: 2 });
  try {
    const client = net.client!;
    const ups = () => client.lines.filter((l) => / path \d+ up /.test(l)).length;
    const tried = () => client.lines.filter((l) => /rendezvous: tunnel failed/.test(l));
    const killOne = async () => {
      const busy = net.volunteers.find(
        (v) =>
          v.child.exitCode === null &&
          v.child.signalCode === null &&
          /helping/.test(v.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? ''),
      );
      assert.ok(busy, 'a volunteer is carrying a path');
      const before = ups();
      await busy.stop('SIGKILL');
      await until(() => ups() > before, 'a replacement path', 30_000);
    };
    await until(() => ups() >= 2, 'paths up', 30_000);
    await killOne();
    assert.equal(tried().length, 1, `the tunnel was tried:\n${client.lines.slice(-20).join('\n')}`);
    assert.match(tried()[0]!, /no broker/, 'and the egress said why');
    await killOne();
    assert.equal(tried().length, 1, 'an egress without a broker is not asked again in that session');
  } finally {
    await net.stop();
  }
});

test('starling egress --broker-token without --broker exits 2 naming the flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'starling-tunnel-token-'));
  try {
    const keyFile = join(dir, 'egress-key.json');
    await writeKeyFile(keyFile, generateKeyPair());
    writeFileSync(join(dir, 'short'), 'too short\n');
    writeFileSync(join(dir, 'good'), 'a-good-token-of-more-than-32-characters\n');
    for (const [args, pattern] of [
      [['--broker-token', join(dir, 'good')], /--broker-token needs --broker/],
      [
        ['--broker', 'http://127.0.0.1:9/', '--broker-token', join(dir, 'short')],
        /--broker-token: .*32 to 512/,
      ],
    ] as const) {
      const proc = run('egress', ['egress', '--key', keyFile, '--listen', '127.0.0.1:0', ...args]);
      assert.equal(await proc.exited, 2, proc.lines.join('\n'));
      assert.match(proc.lines.join('\n'), pattern);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
