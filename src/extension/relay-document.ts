/**
 * Entry of Chromium's offscreen relay document (relay.html): the RelayHost, connected to the service worker
 * by a port that it keeps open (and busy enough that the worker stays awake) while the document lives.
 */
import { EXTENSION_DEFAULTS } from '../shared/limits.js';
import { extensionApi, type Port } from './api.js';
import { isToRelay, RELAY_PORT, type RelayEvent } from './messages.js';
import { RelayHost } from './relay-host.js';

const api = extensionApi();
let port: Port | null = null;
const host = new RelayHost((event: RelayEvent) => port?.postMessage(event));

function connect(): void {
  const next = api.runtime.connect({ name: RELAY_PORT });
  port = next;
  next.onMessage.addListener((message) => {
    if (isToRelay(message)) host.apply(message.config);
  });
  next.onDisconnect.addListener(() => {
    if (port === next) port = null;
    // The worker stopped (idle, update) and starts again when we connect; the relay runs on meanwhile.
    setTimeout(connect, EXTENSION_DEFAULTS.reconnectMs);
  });
}

connect();
setInterval(() => port?.postMessage({ type: 'ping' } satisfies RelayEvent), EXTENSION_DEFAULTS.keepAliveMs);
