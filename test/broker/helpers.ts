import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { type BrokerServer, type BrokerServerOptions, createBrokerServer } from '../../src/broker/http.js';
import { SignalingError } from '../../src/signaling/errors.js';

export const EGRESS = 'ws://127.0.0.1:8701/';

export async function startBroker(
  options: Partial<BrokerServerOptions> = {},
): Promise<{ broker: BrokerServer; url: string; port: number }> {
  const broker = createBrokerServer({ egress: [EGRESS], ...options });
  const { port } = await broker.listen(0, '127.0.0.1');
  return { broker, url: `http://127.0.0.1:${port}`, port };
}

/** Polls `check` every 5 ms, at most 2 s. */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition not reached');
}

export function isCode(code: string, status?: number) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SignalingError, String(err));
    assert.equal(err.code, code);
    if (status !== undefined) assert.equal(err.status, status);
    return true;
  };
}

/** Writes `chunks` on a raw socket, returns everything the server sent until it closed (bounded wait). */
export function rawExchange(port: number, chunks: (string | Buffer)[], keepSending = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close from server; got: ${got.slice(0, 200)}`));
    }, 5_000);
    socket.on('data', (d) => {
      got += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (!keepSending) socket.end();
    });
  });
}
