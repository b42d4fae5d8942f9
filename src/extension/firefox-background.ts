/**
 * Entry of the Firefox (MV2) persistent background page: the shared background, with the relay in this same
 * page, which has WebRTC and lives as long as the browser (docs/extension.md says why MV2).
 */
import { extensionApi } from './api.js';
import { Background } from './background.js';
import { RelayHost } from './relay-host.js';

new Background(extensionApi(), (onEvent) => {
  const host = new RelayHost(onEvent);
  return { apply: (config) => host.apply(config) };
});
