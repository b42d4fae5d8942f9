/**
 * An egress for ClientPath tests that takes the path's WebSocket and nothing more, so that a path whose
 * channel opens stays open. Registers its own before/after hooks; `url()` is valid from the first test on.
 */
import { after, before } from 'node:test';
import { WebSocketServer } from 'ws';

export function pathEgress(): { url: () => string } {
  let egress: WebSocketServer;
  let url = '';
  before(async () => {
    egress = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'starling.path.v1' });
    await new Promise((resolve) => egress.once('listening', resolve));
    const address = egress.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    url = `ws://127.0.0.1:${address.port}/`;
  });
  after(() => egress.close());
  return { url: () => url };
}
