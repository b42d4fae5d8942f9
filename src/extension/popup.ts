/**
 * Entry of the toolbar popup (popup.html): the widget's own `<starling-bridge>` element, driving the relay in
 * the extension's background through RemoteControl; its theme and language come from the extension's settings.
 */
import { StarlingBridge } from '../widget/element.js';
import { extensionApi } from './api.js';
import { POPUP_STRINGS } from './popup-strings.js';
import { popupHost } from './remote-control.js';
import { cleanSettings, STORAGE_KEYS, withBuildDefaults } from './settings.js';

const api = extensionApi();

class PopupBridge extends StarlingBridge {
  constructor() {
    super(popupHost(api));
  }
}

customElements.define('starling-bridge', PopupBridge);
document.querySelector('starling-bridge')?.setAttribute('data-strings', JSON.stringify(POPUP_STRINGS));

void api.storage.local.get([STORAGE_KEYS.settings]).then((stored) => {
  const settings = withBuildDefaults(cleanSettings(stored[STORAGE_KEYS.settings]));
  const bridge = document.querySelector('starling-bridge');
  for (const name of ['data-theme', 'data-lang'] as const) {
    const value = settings[name];
    if (value !== undefined) bridge?.setAttribute(name, value);
  }
});

document.getElementById('settings')?.addEventListener('click', () => void api.runtime.openOptionsPage());
