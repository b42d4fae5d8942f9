/**
 * Where the relay that `<starling-bridge>` drives runs, and where the reader's choice is kept. On a news
 * site (pageHost) the relay runs in the page itself and the choice is in the site's localStorage. The
 * browser extension's popup (src/extension/popup.ts) passes a host whose control is a proxy for the relay
 * in the extension's background, so the same element, switch and stats drive a relay elsewhere.
 */

import { browserEnv } from './browser-env.js';
import { BridgeController, type BridgeStats, type BridgeStatus, type ControllerHooks } from './controller.js';
import type { RelaySettings } from './settings.js';
import { readOn, writeOn } from './storage.js';

/** What the element asks of the relay it drives: the part of BridgeController it uses. */
export interface BridgeControl {
  readonly status: BridgeStatus;
  readonly stats: BridgeStats;
  /** The switch is on. */
  readonly on: boolean;
  /** Relay settings from the element's attributes; a control whose relay has settings of its own ignores them. */
  configure(settings: RelaySettings | { problem: string }, key: string): void;
  setOn(on: boolean): Promise<void>;
  /** The page is hidden and may not keep running; only an in-page relay pauses for it. */
  setPaused(paused: boolean): void;
  /** The element is in a document; only an in-page relay stops when it leaves. */
  setAttached(attached: boolean): Promise<void>;
}

export interface BridgeHost {
  control(hooks: ControllerHooks): BridgeControl;
  /** Whether the reader left the switch on last time (restored when the element first connects). */
  readOn(): boolean;
  writeOn(on: boolean): void;
}

/** The widget on a web page: the relay core runs in this page, over its own WebRTC, WebSocket and fetch. */
export const pageHost: BridgeHost = {
  control: (hooks) => new BridgeController(browserEnv, hooks),
  readOn,
  writeOn,
};
