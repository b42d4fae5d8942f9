/**
 * session-v1 §5.2 with real processes: when one of two volunteers carrying a download is SIGKILLed, the
 * download goes on over the other without waiting for a liveness timeout (the egress sees the WebSocket close
 * and says PATH_CLOSED; the records the dead path had not delivered are resent at once), and not a byte is
 * lost or repeated. And with one path: when its only volunteer is killed, a new volunteer's path takes the
 * download over where it stopped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { download, startTcpTarget } from '../../bench/lib/tcp-target.js';
import { downloadViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';

const MiB = 1024 * 1024;

test('a download survives the SIGKILL of one of its two volunteers, with no liveness timeout', async () => {
  const target = await startTarget();
  const net = await Network.start({ volunteers: 3, paths: 2 });
  try {
    const client = net.client!;
    await client.waitFor(/ path \d+ up /);
    while (client.lines.filter((l) => / path \d+ up /.test(l)).length < 2) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const bytes = 48 * MiB;
    let got = 0;
    let kill: Promise<void> | undefined;
    let killedPath = '';
    const r = await downloadViaSocks(net.socksPort, target.port, bytes, (n) => {
      got += n;
      if (kill || got < 8 * MiB) return;
      const busy = net.volunteers.filter(
        (v) =>
          v.child.exitCode === null &&
          /helping/.test(v.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? ''),
      );
      assert.ok(busy.length >= 2, 'two volunteers carry the download');
      kill = busy[0]!.stop('SIGKILL');
      killedPath = 'yes';
    });
    await kill;
    assert.notEqual(killedPath, '', 'a volunteer was killed mid-download');
    assert.equal(r.sha, seededSha(bytes), 'every byte, once, in order');
    const closed = client.lines.filter((l) => / path \d+ closed \(/.test(l));
    assert.ok(closed.length >= 1, `the client saw the path close:\n${client.lines.slice(-20).join('\n')}`);
    for (const line of closed)
      assert.doesNotMatch(line, /\(4408 /, 'no path waited for the liveness timeout');
  } finally {
    await net.stop();
    await target.close();
  }
});

test('a download on one path goes on through a new volunteer when its only volunteer is SIGKILLed', async () => {
  // A raw TCP source that writes as fast as it may (bench/lib/tcp-target.ts), so the egress has records in
  // flight when the volunteer dies. On the code before, it kept them to resend and waited for a flush that
  // nothing scheduled once the new path proved live (the client, with nothing of its own to send, spoke
  // first with a PONG): the download stopped for good.
  const target = await startTcpTarget();
  const net = await Network.start({ volunteers: 2, paths: 1 });
  try {
    const client = net.client!;
    await client.waitFor(/ path \d+ up /);
    await download(net.socksPort, target.port, MiB); // the session warmed up, as a user's is
    let kill: Promise<void> | undefined;
    const r = await download(
      net.socksPort,
      target.port,
      48 * MiB,
      (_now, total) => {
        if (kill || total < 8 * MiB) return;
        const busy = net.volunteers.filter(
          (v) =>
            v.child.exitCode === null &&
            /helping/.test(v.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? ''),
        );
        assert.equal(busy.length, 1, 'one volunteer carries the download');
        kill = busy[0]!.stop('SIGKILL');
      },
      60_000,
    );
    await kill;
    assert.ok(kill, 'the volunteer was killed mid-download');
    assert.equal(r.bytes, 48 * MiB);
    assert.ok(
      client.lines.filter((l) => / path \d+ up /.test(l)).length >= 2,
      `a second path came up:\n${client.lines.slice(-20).join('\n')}`,
    );
  } finally {
    await net.stop();
    await target.close();
  }
});
