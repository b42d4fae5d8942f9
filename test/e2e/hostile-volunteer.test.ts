/**
 * Issue 9, finding 1, client side, with real processes: a relay that answers the client's HELLO with a
 * forged REFUSE `bad-handshake` (with escape sequences in its reason) or with garbage looks exactly like a
 * wrong egress key. The client must never stop for it: it warns, keeps trying, and serves as soon as an
 * honest relay is there. The hostile relays are real `starling volunteer` processes over real WebRTC whose
 * WebSocket goes to a hostile front; the front turns honest (forwards to the real egress) later.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { type WebSocket, WebSocketServer, WebSocket as WsClient } from 'ws';
import { encodeRefuse, RefuseCode } from '../../src/session/wire.js';
import { listen } from '../../src/shared/listen.js';
import { PATH_SUBPROTOCOL } from '../../src/shared/path.js';
import { printable } from '../../src/shared/printable.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';
import { until } from '../helpers/until.js';

/** A WebSocket front: while `hostile`, answers each first message with a forged REFUSE or garbage. */
class Front {
  hostile = true;
  answered = 0;
  private readonly server = createServer();
  private readonly wss = new WebSocketServer({
    server: this.server,
    handleProtocols: (protocols) => (protocols.has(PATH_SUBPROTOCOL) ? PATH_SUBPROTOCOL : false),
  });
  constructor(private readonly egressUrl: string) {
    this.wss.on('connection', (ws) => (this.hostile ? this.forge(ws) : this.forward(ws)));
  }

  async start(): Promise<string> {
    const port = await listen(this.server, 0, '127.0.0.1');
    return `ws://127.0.0.1:${port}/`;
  }

  private forge(ws: WebSocket): void {
    ws.once('message', () => {
      this.answered += 1;
      // Two forged REFUSEs, then two garbage answers, and so on: the broker alternates between the two
      // volunteers, and a strict one-one alternation would give one volunteer only REFUSEs and the other
      // only garbage, so the key warning (which needs two volunteers) would come only by chance.
      ws.send(
        Math.floor((this.answered - 1) / 2) % 2 === 0
          ? encodeRefuse(RefuseCode.badHandshake, '\x1b]0;owned\x07\x1b[2J\x1b[31mkey mismatch')
          : Buffer.from('HTTP/1.1 200 OK\r\n\r\nnot a HELLO_REPLY'),
      );
    });
    ws.on('error', () => ws.terminate());
  }

  private forward(ws: WebSocket): void {
    const up = new WsClient(this.egressUrl, PATH_SUBPROTOCOL);
    const early: Buffer[] = [];
    ws.on('message', (data: Buffer) => (up.readyState === up.OPEN ? up.send(data) : early.push(data)));
    up.on('open', () => {
      for (const m of early.splice(0)) up.send(m);
    });
    up.on('message', (data: Buffer) => ws.send(data));
    up.on('close', () => ws.close());
    ws.on('close', () => up.close());
    up.on('error', () => ws.terminate());
    ws.on('error', () => up.terminate());
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.close();
  }
}

let net: Network;
let front: Front;
let target: Awaited<ReturnType<typeof startTarget>>;

before(async () => {
  target = await startTarget();
  net = await Network.start({
    volunteers: 2,
    paths: 1,
    front: async (egressUrl) => {
      front = new Front(egressUrl);
      return front.start();
    },
  });
});
after(async () => {
  await net?.stop();
  front?.close();
  await target?.close();
});

test('forged REFUSEs and garbage never stop the client; it warns, and serves once a relay is honest', async () => {
  const client = net.client!;
  await client.waitFor(
    /starling client: no egress handshake succeeded through 2 volunteers in \d+ s: the egress key may be wrong/,
    60_000,
  );
  const answered = front.answered;
  await until(() => front.answered >= answered + 2, 'more attempts after the warning', 60_000);
  assert.equal(client.child.exitCode, null, 'the client is still running');
  assert.ok(client.lines.some((l) => /key mismatch/.test(l)));
  for (const line of client.lines)
    assert.equal(printable(line, Infinity), line, 'no escape sequence from a stranger reaches the terminal');

  front.hostile = false;
  await client.waitFor(/path \d+ up through volunteer/, 60_000);
  const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, '/bytes/100000');
  assert.equal(got.status, 200);
  assert.equal(got.sha, seededSha(100_000));
  await client.stop('SIGTERM');
  assert.equal(await client.exited, 0);
});
