/** session-v1 §4.1 and §4.3 on their own: one credit window, and a stream's states through a real session. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { CreditWindow } from '../../src/session/credit.js';
import { StreamError } from '../../src/shared/errors.js';
import { readAll, sessionPair } from '../helpers/session-pair.js';

test('a credit window grants again once half of it was consumed, and refuses DATA past its grant', () => {
  const w = new CreditWindow(100, 1000);
  assert.equal(w.sendable, 100);
  w.spend(60);
  assert.equal(w.sendable, 40);
  assert.equal(w.raise(90), false, 'a late MAX_DATA below the limit changes nothing');
  assert.equal(w.raise(300), true);
  assert.equal(w.sendable, 240);

  assert.equal(w.receive(1000), true, 'the whole first window may arrive');
  assert.equal(w.receive(1), false, 'one byte past it breaks the credit');
  assert.equal(w.unconsumed, 1000, 'and is not counted');
  w.consume(499);
  assert.equal(w.grant(), undefined, 'less than half a window free: no MAX_DATA yet');
  w.consume(1);
  assert.equal(w.grant(), 1500, 'half free: the limit becomes consumed + window');
  assert.equal(w.grant(), undefined, 'granted once');
  assert.equal(w.receive(500), true);
  assert.equal(w.receive(1), false);
});

test('a stream goes open, half-closed each way, closed; a reset is final', async () => {
  const pair = await sessionPair();
  try {
    const a = await pair.session.openStream('sink', 1);
    assert.equal(a.state, 'open');
    a.end(Buffer.from('bytes'));
    await once(a, 'finish');
    assert.equal(a.state, 'half-closed-local', 'our END is out, the egress still writes');
    assert.equal((await readAll(a)).length, 64, 'the sink answers with a sha256 in hex');
    assert.equal(a.state, 'closed');

    const b = await pair.session.openStream('source', 1);
    await readAll(b);
    assert.equal(b.state, 'half-closed-remote', 'the source ended, we did not');
    b.end();
    await once(b, 'finish');
    assert.equal(b.state, 'closed');

    const c = await pair.session.openStream('stall', 1);
    const failed = once(c, 'error');
    c.destroy(new StreamError('timeout'));
    assert.equal(((await failed)[0] as StreamError).reason, 'timeout');
    assert.equal(c.state, 'reset');
    c.reset('general');
    assert.equal(c.state, 'reset');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pair.session.stats.streams, 0, 'every finished stream is forgotten');
  } finally {
    pair.close();
  }
});

test('a stream buffers what streamBufferBytes says on each side (a named bound, not a bare 64 KiB)', async () => {
  const pair = await sessionPair({ options: { streamBufferBytes: 4096 } });
  try {
    const s = await pair.session.openStream('sink', 1);
    assert.equal(s.readableHighWaterMark, 4096);
    assert.equal(s.writableHighWaterMark, 4096);
    s.destroy();
  } finally {
    pair.close();
  }
});
