/**
 * Messages between the extension's parts (docs/extension.md). Two long-lived ports lead to the background
 * (Chromium's service worker, Firefox's background page): the relay document's and each open popup's. Every
 * message is checked on arrival; only this extension's own pages can connect (no `externally_connectable`).
 *
 *   relay document -> background: RelayEvent        background -> relay document: { type: 'apply', config }
 *   background -> popup: ToPopup                    popup -> background: { type: 'set-on', on }
 */
import type { BridgeStats, BridgeStatus } from '../widget/controller.js';
import type { ExtensionSettings } from './settings.js';

/** Port names. */
export const RELAY_PORT = 'starling-relay';
export const POPUP_PORT = 'starling-popup';

/** What the relay should be doing: the switch and the settings (with the build's defaults applied). */
export interface RelayConfig {
  on: boolean;
  settings: ExtensionSettings;
}

/** What the popup shows. */
export interface Snapshot {
  status: BridgeStatus;
  stats: BridgeStats;
}

export type RelayEvent =
  /** The relay's status or counts changed, or a config was applied. */
  | { type: 'snapshot'; snapshot: Snapshot }
  /** Someone new is being served. */
  | { type: 'client' }
  /** Switched off and every path said goodbye (path-v1 §3): the document may be closed. */
  | { type: 'stopped' }
  /** Keeps Chromium's service worker awake while the document lives (EXTENSION_DEFAULTS.keepAliveMs). */
  | { type: 'ping' };

export type ToRelay = { type: 'apply'; config: RelayConfig };
export type ToPopup = { type: 'snapshot'; snapshot: Snapshot } | { type: 'client' };
export type ToBackground = { type: 'set-on'; on: boolean };

function record(m: unknown): Record<string, unknown> | null {
  return typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : null;
}

function isSnapshot(v: unknown): v is Snapshot {
  const s = record(v);
  const status = record(s?.status);
  const stats = record(s?.stats);
  return (
    typeof status?.state === 'string' &&
    typeof status.on === 'boolean' &&
    typeof stats?.helping === 'number' &&
    typeof stats.totalHelped === 'number' &&
    typeof stats.bytesRelayed === 'number'
  );
}

export function isRelayEvent(m: unknown): m is RelayEvent {
  const r = record(m);
  if (r?.type === 'snapshot') return isSnapshot(r.snapshot);
  return r?.type === 'client' || r?.type === 'stopped' || r?.type === 'ping';
}

export function isToRelay(m: unknown): m is ToRelay {
  const r = record(m);
  const config = record(r?.config);
  return r?.type === 'apply' && typeof config?.on === 'boolean' && record(config.settings) !== null;
}

export function isToPopup(m: unknown): m is ToPopup {
  const r = record(m);
  return (r?.type === 'snapshot' && isSnapshot(r.snapshot)) || r?.type === 'client';
}

export function isToBackground(m: unknown): m is ToBackground {
  const r = record(m);
  return r?.type === 'set-on' && typeof r.on === 'boolean';
}
