/**
 * The widget bundle's entry (scripts/build-widget.mjs): defines `<starling-bridge>` once. The bundle is an
 * IIFE, so this is the only name it adds to the page: the custom element registry entry.
 */
import { StarlingBridge } from './element.js';

if (customElements.get('starling-bridge') === undefined) {
  customElements.define('starling-bridge', StarlingBridge);
}
