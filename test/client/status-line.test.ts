/** The status line (src/client/status-line.ts): its text as a pure function, and drawing vs. plain logs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientStatus } from '../../src/client/status.js';
import {
  formatBytes,
  formatStatusLine,
  StatusLine,
  type StatusOutput,
} from '../../src/client/status-line.js';

const base: ClientStatus = {
  state: 'connected',
  volunteers: 2,
  wantedVolunteers: 2,
  streams: 3,
  bytesUp: 5_000,
  bytesDown: 9_000_000,
  upBytesPerSec: 12_000,
  downBytesPerSec: 1_234_567,
  reconnects: 1,
  failedAttempts: 0,
  problem: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  uptimeMs: 5000,
};

const noVolunteer = {
  kind: 'no-volunteer' as const,
  message: 'no volunteer has answered for 30 s; the network may be busy, keep this running',
  since: '2026-01-01T00:00:00.000Z',
};

test('bytes in SI units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1000), '1.0 kB');
  assert.equal(formatBytes(1_234_567), '1.2 MB');
  assert.equal(formatBytes(345_000_000), '345 MB');
  assert.equal(formatBytes(2e12), '2.0 TB');
});

test('the line shows volunteers, throughput, streams, reconnects and the problem', () => {
  assert.equal(
    formatStatusLine(base),
    '2/2 volunteers | up 12.0 kB/s down 1.2 MB/s | 3 streams | 1 reconnect',
  );
  assert.equal(
    formatStatusLine({
      ...base,
      volunteers: 0,
      streams: 1,
      reconnects: 0,
      upBytesPerSec: 0,
      downBytesPerSec: 0,
      problem: noVolunteer,
    }),
    'connecting: 0/2 volunteers | up 0 B/s down 0 B/s | 1 stream | 0 reconnects | no volunteer has answered for 30 s; the network may be busy, keep this running',
  );
  assert.match(formatStatusLine({ ...base, state: 'stopped', volunteers: 0 }), /^stopped \| /);
});

test('a line wider than the terminal: the counters give way to the problem, then it is cut with "..."', () => {
  const problem = { ...noVolunteer, message: 'no volunteer has answered for 30 s' };
  assert.equal(
    formatStatusLine({ ...base, volunteers: 0, problem }, 80),
    'connecting: 0/2 volunteers | no volunteer has answered for 30 s',
  );
  const line = formatStatusLine({ ...base, problem: noVolunteer }, 60);
  assert.equal(line, '2/2 volunteers | no volunteer has answered for 30 s; the ...');
  assert.equal(formatStatusLine(base, 40), '2/2 volunteers | up 12.0 kB/s down 1....');
});

function output(isTTY: boolean, columns?: number): StatusOutput & { text: string } {
  const o = {
    text: '',
    isTTY,
    ...(columns === undefined ? {} : { columns }),
    write(t: string) {
      o.text += t;
      return true;
    },
  };
  return o;
}

test('on a terminal: redrawn in place, log lines above it, to stderr too', () => {
  const out = output(true, 100);
  const line = new StatusLine(out, (text) => line.print(`c: ${text}`));
  line.update(base);
  line.update({ ...base, streams: 4 });
  line.print('c: path 2 up');
  const err = output(true, 100);
  line.print('c: warning', err);
  line.stop();
  assert.equal(err.text, 'c: warning\n');
  const s = formatStatusLine(base);
  const s4 = formatStatusLine({ ...base, streams: 4 });
  assert.equal(
    out.text,
    `\r\x1b[2K${s}\r\x1b[2K${s4}\r\x1b[2Kc: path 2 up\n\r\x1b[2K${s4}\r\x1b[2K\r\x1b[2K${s4}\n`,
  );
});

test('not a terminal: no status line, no control sequence; problems logged when they change', () => {
  const out = output(false);
  const levels: string[] = [];
  const line = new StatusLine(out, (text, level) => {
    levels.push(level);
    line.print(`c: ${text}`);
  });
  line.update(base);
  line.update({ ...base, problem: noVolunteer });
  line.update({ ...base, problem: { ...noVolunteer, message: 'no volunteer has answered for 31 s; ...' } });
  line.update(base);
  line.stop();
  assert.equal(
    out.text,
    `c: problem: ${noVolunteer.message}\nc: working again: a volunteer carries the tunnel\n`,
  );
  assert.deepEqual(levels, ['warn', 'info']);
});

test('a terminal that reports no size gets an 80-column line', () => {
  const out = output(true, 0);
  new StatusLine(out, () => {}).update({ ...base, problem: noVolunteer });
  const drawn = out.text.split('\r\x1b[2K').pop() ?? '';
  assert.equal(drawn.length, 79);
});
