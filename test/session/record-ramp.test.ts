/** Dynamic record sizing (session-v1 §5.4): small records on a fresh or idle path, doubling as they fill. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AEAD_TAG_BYTES } from '../../src/session/aead.js';
import { RecordRamp } from '../../src/session/record-ramp.js';
import { RECORD_HEADER_BYTES } from '../../src/session/wire.js';
import { SESSION_DEFAULTS } from '../../src/shared/limits.js';
import { readAll, sessionPair } from '../helpers/session-pair.js';
import { until } from '../helpers/until.js';

const OVERHEAD = RECORD_HEADER_BYTES + AEAD_TAG_BYTES;
const START = SESSION_DEFAULTS.recordRampStartBytes;
/** A reliable record's body: flags and seq, then its frames; a little more for control frames beside DATA. */
const SMALL_BODY = START + 7 + 64;
const FULL_DATA = SESSION_DEFAULTS.maxDataFrameBytes;

test('a ramp doubles with each record that fills it, stays when one does not, and restarts after idling', () => {
  const ramp = new RecordRamp({ recordRampStartBytes: 1000, recordRampIdleMs: 500 }, 6000);
  assert.equal(ramp.room(0), 1000);
  ramp.sent(0, true);
  assert.equal(ramp.room(10), 2000);
  ramp.sent(10, false);
  assert.equal(ramp.room(20), 2000);
  ramp.sent(20, true);
  ramp.sent(20, true);
  assert.equal(ramp.room(30), 6000, 'never past the full record');
  ramp.sent(30, true);
  assert.equal(ramp.room(529), 6000);
  assert.equal(ramp.room(530), 1000, 'idle for recordRampIdleMs');
});

/** Body sizes of the records with stream data (bodies over 1 024 bytes are never padded, §3.1), per direction. */
function dataRecords(): {
  sizes: Record<'a->b' | 'b->a', number[]>;
  tap: (d: 'a->b' | 'b->a', m: Uint8Array) => Uint8Array[];
} {
  const sizes = { 'a->b': [] as number[], 'b->a': [] as number[] };
  return {
    sizes,
    tap: (direction, msg) => {
      const body = msg.length - OVERHEAD;
      if (msg[1] === 0x10 && body > 1024) sizes[direction].push(body);
      return [msg];
    },
  };
}

test("a stream's first records are one packet's worth, then double up to full records", async () => {
  const { sizes, tap } = dataRecords();
  const pair = await sessionPair({ tap });
  try {
    const stream = await pair.session.openStream('source', 512);
    assert.equal((await readAll(stream)).length, 512 * 1024);
  } finally {
    pair.close();
  }
  const down = sizes['b->a'];
  assert.ok(down[0] !== undefined && down[0] <= SMALL_BODY, `first records: ${down.slice(0, 10).join(', ')}`);
  for (let i = 1; i < 7; i++) {
    assert.ok((down[i] ?? 0) <= 2 * (down[i - 1] ?? 0) + 64, `records: ${down.slice(0, 10).join(', ')}`);
  }
  const full = down.findIndex((n) => n >= FULL_DATA);
  assert.ok(full >= 5 && full <= 7, `full records from the ${full}th: ${down.slice(0, 10).join(', ')}`);
  assert.ok(
    down.slice(full, -1).every((n) => n >= FULL_DATA),
    'full records from then on, the last aside',
  );
});

test('a path that sent no stream data for recordRampIdleMs starts small again, both ways', async () => {
  const { sizes, tap } = dataRecords();
  const pair = await sessionPair({ tap, options: { recordRampIdleMs: 150 } });
  try {
    const stream = await pair.session.openStream('echo', 7);
    let echoed = 0;
    stream.on('data', (d: Buffer) => (echoed += d.length));
    const burst = Buffer.alloc(256 * 1024, 7);
    stream.write(burst);
    await until(() => echoed === burst.length, 'the first echo');
    await new Promise((r) => setTimeout(r, 300));
    const mark = { up: sizes['a->b'].length, down: sizes['b->a'].length };
    assert.ok(
      sizes['a->b'].some((n) => n >= FULL_DATA),
      'the first burst reached full records up',
    );
    stream.write(burst);
    await until(() => echoed === 2 * burst.length, 'the second echo');
    stream.destroy();
    for (const [dir, from] of [['a->b', mark.up] as const, ['b->a', mark.down] as const]) {
      const all = sizes[dir];
      assert.ok((all[0] ?? 0) <= SMALL_BODY, `${dir} first burst: ${all.slice(0, 8).join(', ')}`);
      assert.ok(
        (all[from] ?? 0) <= SMALL_BODY,
        `${dir} after idling: ${all.slice(from, from + 8).join(', ')}`,
      );
    }
  } finally {
    pair.close();
  }
});
