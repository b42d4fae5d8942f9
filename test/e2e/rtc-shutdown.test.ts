/**
 * Issue 9, finding 11: a client and volunteers that have made about a hundred peer connections each still
 * answer SIGTERM with exit 0 within a few seconds (node-datachannel's cleanup() used to abort, segfault or
 * hang after many peers). Real processes: the CLI's egress, broker, two volunteers and a client.
 *
 * The churn: the client is pinned to a key the egress does not have, so each data channel it opens fails
 * the handshake and it tries again (a complete peer connection on both sides), and with eight paths against
 * two volunteers some offers find no volunteer (an offer made and abandoned).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { Network, type Proc } from '../helpers/network.js';

const PEERS = 100;

/**
 * SIGTERM, then how the process ended: `exit N`, or the signal that ended it (SIGKILL: still running after
 * test/helpers/child.ts's 5 s grace, a hang; SIGABRT or SIGSEGV: a crash).
 */
async function terminate(p: Proc): Promise<string> {
  await p.stop('SIGTERM');
  return p.child.signalCode ?? `exit ${p.child.exitCode}`;
}

test('a client and volunteers that have seen ~100 peers exit 0 on SIGTERM, within seconds', {
  timeout: 150_000,
}, async () => {
  const net = await Network.start({
    volunteers: 2,
    client: false,
    brokerArgs: ['--client-match-burst', '100000', '--client-matches-per-minute', '100000'],
  });
  try {
    const client = await net.startClient(8, encodeKey(generateKeyPair().publicKey));
    let attempts = 0;
    const counted = new Promise<void>((resolve) => {
      client.child.stderr?.on('data', (d: Buffer) => {
        attempts += d.toString().split('path attempt failed').length - 1;
        if (attempts >= PEERS) resolve();
      });
      client.child.stdout?.on('data', (d: Buffer) => {
        attempts += d.toString().split('path attempt failed').length - 1;
        if (attempts >= PEERS) resolve();
      });
    });
    await Promise.race([counted, client.exited]);
    assert.ok(attempts >= PEERS, `the client made ${attempts} peer connections before it exited`);
    const ends = await Promise.all([client, ...net.volunteers].map(terminate));
    assert.deepEqual(
      ends,
      ['exit 0', 'exit 0', 'exit 0'],
      `client, volunteers after ${attempts} attempts:\n${client.lines.slice(-5).join('\n')}`,
    );
  } finally {
    await net.stop();
  }
});
