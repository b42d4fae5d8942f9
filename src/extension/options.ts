/**
 * Entry of the options page (options.html): the extension's settings, the widget's own (docs/widget.md). A
 * value that cannot work is refused with the relay's own message and nothing is saved; an empty field means
 * the build's default (shown as its placeholder).
 */
import { resolveVolunteerOptions } from '../volunteer/options.js';
import { LANGUAGES } from '../widget/i18n.js';
import { extensionApi } from './api.js';
import {
  BUILD_DEFAULTS,
  cleanSettings,
  type ExtensionSettings,
  parseSettings,
  SETTING_NAMES,
  STORAGE_KEYS,
  withBuildDefaults,
} from './settings.js';

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

const api = extensionApi();
const form = document.querySelector('form')!;
const message = document.getElementById('message')!;

function field(name: string): Field {
  const el = form.elements.namedItem(name);
  if (
    !(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)
  )
    throw new Error(`options.html has no field ${name}`);
  return el;
}

/** Why these settings cannot work, with field labels in place of attribute names; null when they can. */
function problemOf(settings: ExtensionSettings): string | null {
  const relay = parseSettings(withBuildDefaults(settings)).relay;
  let problem: string | null = 'problem' in relay ? relay.problem : null;
  if (problem === null && 'options' in relay) {
    try {
      resolveVolunteerOptions(relay.options);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
  }
  if (problem === null) return null;
  return problem.replace(
    /data-[a-z-]+/g,
    (name) => form.querySelector(`label[for="${name}"]`)?.textContent ?? name,
  );
}

function read(): ExtensionSettings {
  const out: ExtensionSettings = {};
  for (const name of SETTING_NAMES) {
    const value = field(name).value.trim();
    if (value !== '') out[name] = value.split(/\s+/).join(' ');
  }
  return out;
}

function show(settings: ExtensionSettings): void {
  for (const name of SETTING_NAMES) field(name).value = settings[name] ?? '';
}

function say(text: string, bad: boolean): void {
  message.textContent = text;
  message.className = bad ? 'bad' : 'good';
}

const lang = field('data-lang');
for (const tag of Object.keys(LANGUAGES)) lang.append(new Option(tag, tag));
for (const name of SETTING_NAMES) {
  const placeholder = BUILD_DEFAULTS[name];
  const el = field(name);
  if (placeholder !== undefined && !(el instanceof HTMLSelectElement)) el.placeholder = placeholder;
}

void api.storage.local.get([STORAGE_KEYS.settings]).then((stored) => {
  show(cleanSettings(stored[STORAGE_KEYS.settings]));
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const settings = read();
  const problem = problemOf(settings);
  if (problem !== null) {
    say(`Not saved: ${problem}`, true);
    return;
  }
  void api.storage.local.set({ [STORAGE_KEYS.settings]: settings }).then(
    () => say('Saved. A running relay switches to these settings now.', false),
    (error: unknown) => say(`Not saved: ${String(error)}`, true),
  );
});

document.getElementById('defaults')?.addEventListener('click', () => show({}));
