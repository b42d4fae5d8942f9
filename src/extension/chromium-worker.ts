/** Entry of the Chromium (MV3) service worker: the shared background over the offscreen relay document. */
import { extensionApi } from './api.js';
import { Background } from './background.js';
import { OffscreenTarget } from './offscreen-target.js';

const api = extensionApi();
new Background(api, (onEvent) => new OffscreenTarget(api, onEvent));
