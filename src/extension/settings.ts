/**
 * The extension's settings are the widget's own `data-*` attributes by name (docs/widget.md), kept in
 * `storage.local`, so the widget's parser (src/widget/settings.ts) checks them with the same rules and caps.
 * The build's defaults (scripts/build-extension.mjs: broker and egress) apply where the user set nothing.
 */
import { readSettings, type Settings } from '../widget/settings.js';

/**
 * The attributes the extension lets its user set (the others are the page's business: layout, and hidden
 * tabs, since the extension's relay runs in no tab).
 */
export const SETTING_NAMES = [
  'data-broker',
  'data-egress',
  'data-stun',
  'data-max-clients',
  'data-max-rate',
  'data-pairing',
  'data-max-rate-per-client',
  'data-max-total',
  'data-pause-battery',
  'data-theme',
  'data-lang',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];
export type ExtensionSettings = Partial<Record<SettingName, string>>;

/** Keys in `storage.local`. */
export const STORAGE_KEYS = { on: 'on', settings: 'settings' } as const;

/** Set by the build with esbuild's `define`; absent when the sources run unbundled (tests). */
declare const STARLING_EXTENSION_DEFAULTS: ExtensionSettings | undefined;

export const BUILD_DEFAULTS: ExtensionSettings =
  typeof STARLING_EXTENSION_DEFAULTS === 'undefined' ? {} : STARLING_EXTENSION_DEFAULTS;

/** Only known names with string values, from whatever storage holds. */
export function cleanSettings(value: unknown): ExtensionSettings {
  const out: ExtensionSettings = {};
  if (typeof value !== 'object' || value === null) return out;
  const record = value as Record<string, unknown>;
  for (const name of SETTING_NAMES) {
    const v = record[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** The user's settings over the build's defaults; an empty value means "use the default". */
export function withBuildDefaults(settings: ExtensionSettings): ExtensionSettings {
  const out: ExtensionSettings = { ...BUILD_DEFAULTS };
  for (const name of SETTING_NAMES) {
    const v = settings[name];
    if (v !== undefined && v.trim() !== '') out[name] = v;
  }
  return out;
}

/** Parses settings the way the widget parses its attributes (a detached element carries them; needs a DOM). */
export function parseSettings(settings: ExtensionSettings, doc: Document = document): Settings {
  const carrier = doc.createElement('starling-settings');
  for (const name of SETTING_NAMES) {
    const v = settings[name];
    if (v !== undefined) carrier.setAttribute(name, v);
  }
  return readSettings(carrier);
}
