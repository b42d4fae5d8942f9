import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { test } from 'node:test';
import { BrokerClient } from '../../src/signaling/client.js';
import { EGRESS, rawExchange, startBroker } from './helpers.js';

function statusOf(response: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return m === null ? 0 : Number(m[1]);
}

test('an oversize declared body is refused with 413 before it is sent', async () => {
  const { broker, port } = await startBroker({ maxBodyBytes: 1024 });
  try {
    const head =
      'POST /v1/client/offer HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
      'content-length: 10000000\r\n\r\n';
    // Only the headers and 1 KiB of the promised 10 MB are ever written; the answer must still come.
    const response = await rawExchange(port, [head, Buffer.alloc(1024, 0x20)], true);
    assert.equal(statusOf(response), 413);
    assert.match(response, /"code":"too-large"/);
    assert.match(response, /connection: close/i);
  } finally {
    await broker.close();
  }
});

test('a chunked body is cut off as soon as it passes the cap', async () => {
  const { broker, port } = await startBroker({ maxBodyBytes: 1024 });
  try {
    const head =
      'POST /v1/volunteer/poll HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
      'transfer-encoding: chunked\r\n\r\n';
    const chunk = `400\r\n${' '.repeat(1024)}\r\n`;
    // Two chunks pass the cap; the terminating chunk is never sent.
    const response = await rawExchange(port, [head, chunk, chunk], true);
    assert.equal(statusOf(response), 413);
    assert.match(response, /"code":"too-large"/);
  } finally {
    await broker.close();
  }
});

test('garbage on the socket never crashes the broker', async () => {
  const { broker, port, url } = await startBroker({ rateLimitPerSecond: 0 });
  try {
    const inputs: (string | Buffer)[] = [
      randomBytes(4096),
      '\r\n\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'POST /v1/client/offer HTTP/1.1\r\ncontent-length: -5\r\n\r\n',
      'POST /v1/client/offer HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nabcdef',
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`,
      'POST /v1/client/offer HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 4\r\n\r\n\xff\xfe\x00\x01',
      'POST /v1/client/offer HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"v":1',
    ];
    for (const input of inputs) {
      const response = await rawExchange(port, [input]);
      const status = statusOf(response);
      assert.ok(
        status === 0 || (status >= 400 && status < 500),
        `status ${status} for ${String(input).slice(0, 40)}`,
      );
    }
    const bodies = [
      'null',
      '[]',
      '"v"',
      '1',
      '{"v":1,"id":{}}',
      '{"v":1,"nat":null,"sdp":[]}',
      '['.repeat(5000),
    ];
    for (const body of bodies) {
      for (const path of ['/v1/volunteer/poll', '/v1/volunteer/answer', '/v1/client/offer']) {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.equal(res.status, 400, `${path} ${body.slice(0, 20)}`);
        assert.equal(((await res.json()) as { code: string }).code, 'bad-request');
      }
    }
    assert.deepEqual(await new BrokerClient(url).info(), { egress: [EGRESS] });
  } finally {
    await broker.close();
  }
});

test('a socket closed halfway through a body is harmless', async () => {
  const { broker, port, url } = await startBroker();
  try {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /v1/client/offer HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{"v":',
        );
        setTimeout(() => socket.destroy(), 20);
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve());
    });
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  } finally {
    await broker.close();
  }
});
