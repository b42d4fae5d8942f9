import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, detectionTargets, stunTarget } from '../../src/shared/nat-class.js';
import { natFromCandidates } from '../../src/shared/nat-detect.js';
import { nativeIceServers } from '../../src/shared/webrtc-node.js';

test('mappings of one socket seen by two STUN servers name the NAT class', () => {
  assert.equal(classify('198.18.1.1:5000', ['198.18.1.1:5000', '198.18.1.1:5000']), 'public');
  assert.equal(classify('198.19.2.2:5000', ['198.18.1.2:5000', '198.18.1.2:5000']), 'cone');
  assert.equal(classify(undefined, ['198.18.1.3:40001', '198.18.1.3:51234']), 'symmetric');
  assert.equal(classify(undefined, [undefined, undefined]), 'unknown', 'no answer');
  assert.equal(classify(undefined, ['198.18.1.2:5000', undefined]), 'unknown', 'one answer: cannot tell');
});

test('detection uses the first two STUN servers on different hosts', () => {
  assert.deepEqual(stunTarget('stun:198.18.0.1'), { host: '198.18.0.1', port: 3478 });
  assert.equal(stunTarget('turn:198.18.0.1:3478'), undefined);
  const servers = [
    { urls: ['stun:198.18.0.1:3478', 'stun:198.18.0.1:3479', 'stun:198.18.0.2:3478'] },
    { urls: 'stun:198.18.0.3:3478' },
  ];
  assert.deepEqual(detectionTargets(servers), [
    { host: '198.18.0.1', port: 3478 },
    { host: '198.18.0.2', port: 3478 },
  ]);
});

test("a browser's server-reflexive candidates name the class", () => {
  const line = (ip: string, port: number, typ: string) =>
    `a=candidate:1 1 udp 1 ${ip} ${port} typ ${typ} raddr 0.0.0.0 rport 0`;
  const sdp = (...lines: string[]) => ['v=0', ...lines].join('\r\n');
  assert.equal(
    natFromCandidates(sdp(line('x.local', 5000, 'host'), line('198.18.1.2', 5000, 'srflx'))),
    'cone',
  );
  assert.equal(
    natFromCandidates(sdp(line('198.18.1.3', 4000, 'srflx'), line('198.18.1.3', 4001, 'srflx'))),
    'symmetric',
  );
  assert.equal(
    natFromCandidates(sdp(line('198.18.1.1', 5000, 'host'), line('198.18.1.1', 5000, 'srflx'))),
    'public',
  );
  assert.equal(natFromCandidates(sdp(line('x.local', 5000, 'host'))), 'unknown');
});

test('TURN credentials reach libdatachannel as fields, never spliced into a URL', () => {
  const servers = nativeIceServers({
    iceServers: [
      { urls: ['stun:198.18.0.1:3478'] },
      {
        urls: ['turn:198.18.0.1:3478?transport=udp', 'turns:turn.example'],
        username: '1:a/b@c',
        credential: 'p:w=',
      },
    ],
  });
  assert.deepEqual(servers, [
    'stun:198.18.0.1:3478',
    { hostname: '198.18.0.1', port: 3478, username: '1:a/b@c', password: 'p:w=', relayType: 'TurnUdp' },
    { hostname: 'turn.example', port: 5349, username: '1:a/b@c', password: 'p:w=', relayType: 'TurnTls' },
  ]);
});
